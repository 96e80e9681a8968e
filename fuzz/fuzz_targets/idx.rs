//! The IDX reader: any pair of byte strings (split from the input at a point its first byte
//! chooses) parses or is refused; a pair that parses is consistent.
#![no_main]

use backprop::data::idx;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    backprop::io::limits::set_memory_limit(Some(64 << 20));
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let (images, labels) = rest.split_at((cut as usize).min(rest.len()));
    if let Ok(m) = idx::parse(images, "images", labels, "labels") {
        assert_eq!(m.labels.len(), m.count);
        assert_eq!(m.pixels.len(), m.count * m.rows * m.columns);
    }
});
