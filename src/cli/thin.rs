//! A bounded history: at most `cap` points whatever the number of epochs, spread evenly over
//! the run. When full, every other point is dropped and from then on only every `stride`-th
//! epoch is kept (the stride doubles), so memory stays O(cap) and the curve keeps its shape.

pub struct Thinned<T> {
    points: Vec<T>,
    cap: usize,
    stride: usize,
    seen: usize,
}

impl<T> Thinned<T> {
    /// `cap` is at least 2.
    pub fn new(cap: usize) -> Thinned<T> {
        Thinned {
            points: Vec::new(),
            cap: cap.max(2),
            stride: 1,
            seen: 0,
        }
    }

    pub fn push(&mut self, point: T) {
        let k = self.seen;
        self.seen += 1;
        if !k.is_multiple_of(self.stride) {
            return;
        }
        if self.points.len() == self.cap {
            let mut i = 0;
            self.points.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.stride *= 2;
            if !k.is_multiple_of(self.stride) {
                return;
            }
        }
        self.points.push(point);
    }

    pub fn points(&self) -> &[T] {
        &self.points
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_run_keeps_evenly_spread_points_within_the_cap() {
        let mut h = Thinned::new(4);
        for epoch in 0..20 {
            h.push(epoch);
        }
        // 0..3 fill it; 4 halves it to [0, 2] with stride 2: 4, 6 → full; 8 halves to [0, 4]
        // with stride 4: 8, 12 → full; 16 halves to [0, 8], stride 8: 16 → [0, 8, 16].
        assert_eq!(h.points(), &[0, 8, 16]);
        let mut big = Thinned::new(1000);
        for epoch in 0..1_000_000 {
            big.push(epoch);
        }
        assert!(big.points().len() <= 1000);
        assert!(big.points().len() >= 500);
        assert_eq!(big.points()[0], 0);
    }
}
