//! Matrix products, and the one place the engine chooses how to multiply ([`is_small`]).
//!
//! All matrices are dense and addressed by strides: element (i, j) of a matrix `x` with row
//! stride `rs` and column stride `cs` is `x[i·rs + j·cs]`. That lets one routine compute
//! `X·Wᵀ`, `dZᵀ·X` and `dZ·W` without copying a transpose. The output is always a contiguous
//! row-major `m × n` block.
//!
//! A layer whose products are small (the worked example, iris) takes the engine's own fused
//! loops (`small.rs`), with no set-up cost; larger products go to [`matmul`]: the `gemm` crate
//! (AVX-512 kernels via its `x86-v4` feature), on both cores past [`PARALLEL_FLOPS`]. See README
//! "Performance" for how the thresholds were measured.

use crate::engine::float::Float;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Up to this many multiply-adds (m·n·k), the engine's own loops run ([`is_small`]), with no
/// set-up and no allocation. The `gemm` kernel takes a packing buffer from the allocator on every call, so
/// this keeps small networks (the worked example, iris) allocation-free per step. Measured (f64,
/// one thread): 2×2×2 takes 6 ns here and 12 ns in `gemm`; they meet near 4×4×4; at 16×16×16
/// `gemm` is 5× faster (217 vs 1047 ns): a vectorised small kernel is the next step here.
pub const DIRECT_LOOP_MAX: usize = 4096;
/// From this many multiply-adds on, the product is split into blocks run on all rayon threads.
pub const PARALLEL_FLOPS: usize = 1 << 20;

/// Whether a product of `m·n·k` multiply-adds is small enough for the engine's own loops
/// (the fused passes of a small layer) rather than [`matmul`].
#[inline]
pub fn is_small(m: usize, n: usize, k: usize) -> bool {
    m.saturating_mul(n).saturating_mul(k) <= DIRECT_LOOP_MAX
}

/// A read-only strided matrix view.
#[derive(Clone, Copy)]
pub struct View<'a, F> {
    pub data: &'a [F],
    pub rs: usize,
    pub cs: usize,
}

impl<'a, F> View<'a, F> {
    /// A row-major matrix with `cols` columns.
    pub fn rows(data: &'a [F], cols: usize) -> Self {
        View {
            data,
            rs: cols,
            cs: 1,
        }
    }
    /// The transpose of a row-major matrix with `cols` columns.
    pub fn transposed(data: &'a [F], cols: usize) -> Self {
        View {
            data,
            rs: 1,
            cs: cols,
        }
    }
}

/// Whether a large product may be split into blocks that other threads help with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    /// Past [`PARALLEL_FLOPS`], blocks on all of rayon's threads.
    All,
    /// One kernel call on the calling thread (a shard's products: the other cores run shards
    /// of their own; measured 3–6 % faster than blocks there).
    One,
}

/// `c = a·b` (or `c += a·b` when `accumulate`), `a` is m×k, `b` is k×n, `c` is row-major m×n,
/// by `gemm`. (A product that [`is_small`] belongs in the engine's own loops instead: `gemm`
/// costs more than such a product to set up, and allocates a packing buffer per call.)
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn matmul<F: Float>(
    m: usize,
    n: usize,
    k: usize,
    a: View<F>,
    b: View<F>,
    c: &mut [F],
    accumulate: bool,
    threads: Threads,
) {
    if m == 0 || n == 0 {
        return;
    }
    // Bounds of the output and of the last element each view is read at.
    assert!(c.len() >= m * n, "output too small");
    if k == 0 {
        if !accumulate {
            c[..m * n].fill(F::ZERO);
        }
        return;
    }
    assert!(
        a.data.len() > (m - 1) * a.rs + (k - 1) * a.cs,
        "lhs too small"
    );
    assert!(
        b.data.len() > (k - 1) * b.rs + (n - 1) * b.cs,
        "rhs too small"
    );
    large(m, n, k, a, b, c, accumulate, threads);
}

/// [`matmul`], bounds already checked: `gemm`, on both cores past [`PARALLEL_FLOPS`] unless
/// `threads` is [`Threads::One`].
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn large<F: Float>(
    m: usize,
    n: usize,
    k: usize,
    a: View<F>,
    b: View<F>,
    c: &mut [F],
    accumulate: bool,
    threads: Threads,
) {
    let flops = m * n * k;
    let c = Out(c.as_mut_ptr());
    if flops < PARALLEL_FLOPS || threads == Threads::One {
        // SAFETY: the asserts above bound every index read (a, b) and written (c: m×n, row
        // stride n); the three buffers are distinct borrows, so c aliases neither.
        unsafe { kernel(m, n, k, a, b, c, n, accumulate) };
        return;
    }
    // Both cores: split `c` into PIECES blocks of rows or columns, one single-threaded kernel
    // call each. The calling thread takes blocks itself while the other rayon threads help, so
    // it never sleeps waiting for a pool thread to wake (two threads are not slower than one on
    // a loaded machine). The blocks depend on the sizes only, never on the thread count or on
    // who runs them, so every element is summed the same way: the result is bitwise the same.
    // Which side to split, measured on the 784-256-10 step (unsplit batch): a row-major `a`
    // (X·Wᵀ) splits the longer side; a column-major one (the weight gradient dZᵀ·X) splits its
    // rows, which are then whole rows of the gradient (2–3 % more samples/s than splitting its
    // 784 columns; alone, on one thread, 4 row blocks took 244 µs against 262 for 4 column ones).
    let split_rows = if a.rs == 1 && a.cs != 1 {
        m >= PIECES * 16
    } else {
        m > n
    };
    let long = if split_rows { m } else { n };
    let len = long.div_ceil(PIECES);
    let blocks = long.div_ceil(len);
    let next = AtomicUsize::new(0);
    let take_blocks = || loop {
        let q = next.fetch_add(1, Ordering::Relaxed);
        if q >= blocks {
            break;
        }
        let start = q * len;
        let size = len.min(long - start);
        // SAFETY: as above; block q reads rows (or columns) start..start+size of a (or b)
        // and writes only its own rows (or columns) of c, so no two blocks write one element;
        // each q is taken once.
        unsafe {
            if split_rows {
                let a = View {
                    data: &a.data[start * a.rs..],
                    ..a
                };
                kernel(size, n, k, a, b, c.offset(start * n), n, accumulate);
            } else {
                let b = View {
                    data: &b.data[start * b.cs..],
                    ..b
                };
                kernel(m, size, k, a, b, c.offset(start), n, accumulate);
            }
        }
    };
    let helpers = rayon::current_num_threads()
        .saturating_sub(1)
        .min(blocks - 1);
    rayon::in_place_scope(|scope| {
        for _ in 0..helpers {
            scope.spawn(|_| take_blocks());
        }
        take_blocks();
    });
}

/// Blocks a large product is split into, to run on both cores (measured: 4 blocks reach 85–95 %
/// of the two-core peak on the 784-256-10 layer's products; see README "Performance").
const PIECES: usize = 4;

/// The output pointer, shareable between the threads that write disjoint blocks through it.
#[derive(Clone, Copy)]
struct Out<F>(*mut F);
// SAFETY: every use writes a block of its own (see `matmul`).
unsafe impl<F: Send> Send for Out<F> {}
unsafe impl<F: Send> Sync for Out<F> {}

impl<F> Out<F> {
    /// # Safety
    /// `offset` is inside the output.
    unsafe fn offset(self, offset: usize) -> Self {
        Out(self.0.add(offset))
    }
}

/// One single-threaded `gemm` call: `c = a·b` (or `c += a·b`), `c` with row stride `c_rs`.
///
/// # Safety
/// Every index of `a` (m×k), `b` (k×n) and `c` (m×n) is inside its buffer, and `c` aliases
/// neither `a` nor `b` nor a block another thread writes.
#[allow(clippy::too_many_arguments)]
unsafe fn kernel<F: Float>(
    m: usize,
    n: usize,
    k: usize,
    a: View<F>,
    b: View<F>,
    c: Out<F>,
    c_rs: usize,
    accumulate: bool,
) {
    gemm::gemm(
        m,
        n,
        k,
        c.0,
        1,
        c_rs as isize,
        accumulate,
        a.data.as_ptr(),
        a.cs as isize,
        a.rs as isize,
        b.data.as_ptr(),
        b.cs as isize,
        b.rs as isize,
        F::ONE,
        F::ONE,
        false,
        false,
        false,
        gemm::Parallelism::None,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(m: usize, n: usize, k: usize, a: &[f64], b: &[f64]) -> Vec<f64> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                for p in 0..k {
                    c[i * n + j] += a[i * k + p] * b[p * n + j];
                }
            }
        }
        c
    }

    #[test]
    fn matmul_agrees_with_naive_for_all_layouts() {
        // gemm on one thread, gemm in blocks (both ways), small and large shapes
        for &(m, n, k) in &[
            (2, 3, 4),
            (2, 2, 2),
            (2, 1, 3),
            (5, 3, 1),
            (1, 1, 1),
            (4, 16, 12),
            (3, 9, 21),
            (37, 29, 41),
            (130, 70, 90),
            (150, 90, 80),
            (90, 150, 80),
        ] {
            let a: Vec<f64> = (0..m * k).map(|x| ((x * 7) % 13) as f64 - 6.0).collect();
            let b: Vec<f64> = (0..k * n).map(|x| ((x * 5) % 11) as f64 - 5.0).collect();
            let want = naive(m, n, k, &a, &b);
            // plain, in blocks and whole
            for threads in [Threads::All, Threads::One] {
                let mut c = vec![0.0; m * n];
                matmul(
                    m,
                    n,
                    k,
                    View::rows(&a, k),
                    View::rows(&b, n),
                    &mut c,
                    false,
                    threads,
                );
                assert_eq!(c, want);
            }
            // a stored transposed (k×m), b stored transposed (n×k)
            let mut at = vec![0.0; m * k];
            let mut bt = vec![0.0; k * n];
            for i in 0..m {
                for p in 0..k {
                    at[p * m + i] = a[i * k + p];
                }
            }
            for p in 0..k {
                for j in 0..n {
                    bt[j * k + p] = b[p * n + j];
                }
            }
            let mut c2 = vec![1.0; m * n];
            matmul(
                m,
                n,
                k,
                View::transposed(&at, m),
                View::transposed(&bt, k),
                &mut c2,
                true,
                Threads::All,
            );
            let want_acc: Vec<f64> = want.iter().map(|x| x + 1.0).collect();
            assert_eq!(c2, want_acc);
            // a row-major, b stored transposed: the network's X·Wᵀ
            let mut c3 = vec![0.0; m * n];
            matmul(
                m,
                n,
                k,
                View::rows(&a, k),
                View::transposed(&bt, k),
                &mut c3,
                false,
                Threads::All,
            );
            assert_eq!(c3, want);
        }
    }

    /// A product split into blocks gives bitwise the same result on one thread and on several.
    #[test]
    fn blocked_product_does_not_depend_on_thread_count() {
        for &(m, n, k) in &[(128, 256, 64), (256, 96, 64)] {
            assert!(m * n * k >= PARALLEL_FLOPS);
            let a: Vec<f32> = (0..m * k)
                .map(|x| ((x * 7) % 13) as f32 * 0.37 - 2.0)
                .collect();
            let b: Vec<f32> = (0..k * n)
                .map(|x| ((x * 5) % 11) as f32 * 0.23 - 1.0)
                .collect();
            let on = |threads: usize| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let mut c = vec![0.0f32; m * n];
                pool.install(|| {
                    matmul(
                        m,
                        n,
                        k,
                        View::rows(&a, k),
                        View::transposed(&b, k),
                        &mut c,
                        false,
                        Threads::All,
                    )
                });
                c
            };
            let one = on(1);
            assert_eq!(one, on(2));
            assert_eq!(one, on(3));
        }
    }
}
