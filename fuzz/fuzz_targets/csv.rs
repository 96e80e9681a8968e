//! The CSV reader: any text parses or is refused; a table that parses gives its numbers or an
//! error naming the place.
#![no_main]

use backprop::data::csv::CsvTable;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(table) = CsvTable::parse(&String::from_utf8_lossy(data), "fuzz.csv") {
        let all: Vec<usize> = (0..table.header.len()).collect();
        let _ = table.numbers(&all);
        for name in &table.header {
            assert!(table.column(name).is_ok());
        }
    }
});
