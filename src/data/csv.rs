//! CSV tables: a header row of column names, then one sample per row. Fields may be quoted
//! (`"a, b"`), lines may end in `\n` or `\r\n`, empty lines are skipped. Features are numbers;
//! the target column of a classifier may hold any text (a class name) or integers.
//!
//! The separator is `[data] delimiter` when the spec gives one, else detected from the header
//! row: whichever of `,` `;` tab `|` occurs most there outside quotes (ties go to that order;
//! none at all is one column, `,`). A given delimiter that leaves the header one column while
//! another separator occurs in it is an error (it splits no line into the columns meant). A
//! UTF-8 byte order mark at the very start of the file (as spreadsheet programs write) is
//! dropped; one anywhere else is text.

use crate::error::{Error, Result};

/// A CSV file as text fields, checked to be rectangular.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvTable {
    /// The file's name, for error messages.
    pub file: String,
    pub header: Vec<String>,
    /// Each row's line number (1-based, the header is line 1) and its fields.
    pub rows: Vec<(u64, Vec<String>)>,
}

impl CsvTable {
    /// Parses CSV text. Errors name the file and line: a row with the wrong number of fields, a
    /// file without a header or without rows.
    pub fn parse(text: &str, file: &str) -> Result<CsvTable> {
        Self::parse_with(text, file, None)
    }

    /// Parses CSV text with the given separator (`None`: detected from the header row).
    pub fn parse_with(text: &str, file: &str, delimiter: Option<u8>) -> Result<CsvTable> {
        let err = |message: String| Error::File {
            file: file.to_string(),
            message,
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let detected = separator(text);
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .delimiter(delimiter.unwrap_or(detected))
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| err(format!("cannot read the header row ({e})")))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        if header.is_empty() || header.iter().all(|h| h.is_empty()) {
            return Err(err(
                "the file is empty, expected a header row of column names".into(),
            ));
        }
        if let Some(d) = delimiter.filter(|&d| header.len() == 1 && d != detected) {
            let first = text.split('\n').next().unwrap_or("");
            if first.as_bytes().contains(&detected) {
                return Err(err(format!(
                    "line 1: [data] delimiter is {}, which does not occur in the header, so every line would be one column; the header is separated by {} (expected delimiter = {}, or leave delimiter out to detect it)",
                    show_separator(d),
                    show_separator(detected),
                    show_separator(detected)
                )));
            }
        }
        if let Some(k) = header.iter().position(|h| h.is_empty()) {
            return Err(err(format!(
                "line 1, column {}: the header has an empty column name",
                k + 1
            )));
        }
        let mut seen = std::collections::HashMap::with_capacity(header.len());
        for (k, h) in header.iter().enumerate() {
            if let Some(first) = seen.insert(h.as_str(), k) {
                return Err(err(format!(
                    "line 1: columns {} and {} are both named `{h}`; expected distinct column names",
                    first + 1,
                    k + 1
                )));
            }
        }
        drop(seen);
        // Line numbers from byte offsets (the reader does not count the empty lines it skips).
        let mut counted = (0usize, 1u64);
        // A record's position may be the start of the empty lines before it: skip those.
        let mut line_at = |byte: u64| {
            let mut byte = (byte as usize).min(text.len());
            while matches!(text.as_bytes().get(byte), Some(b'\n' | b'\r')) {
                byte += 1;
            }
            let (from, line) = counted;
            let line = line
                + text.as_bytes()[from.min(byte)..byte]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count() as u64;
            counted = (byte.max(from), line);
            line
        };
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                err(format!("line {line}: cannot read the row ({e})"))
            })?;
            let line = line_at(record.position().map_or(0, |p| p.byte()));
            if record.len() != header.len() {
                return Err(err(format!(
                    "line {line}: {} fields, expected {} (one per column of the header, separated by {})",
                    record.len(),
                    header.len(),
                    show_separator(delimiter.unwrap_or(detected))
                )));
            }
            rows.push((line, record.iter().map(|f| f.trim().to_string()).collect()));
        }
        if rows.is_empty() {
            return Err(err(
                "only a header row, expected at least one row of data".into()
            ));
        }
        Ok(CsvTable {
            file: file.to_string(),
            header,
            rows,
        })
    }

    /// Reads and parses a CSV file.
    pub fn read(path: &std::path::Path) -> Result<CsvTable> {
        Self::read_with(path, None)
    }

    /// Reads and parses a CSV file with the given separator (`None`: detected).
    pub fn read_with(path: &std::path::Path, delimiter: Option<u8>) -> Result<CsvTable> {
        // Fields as strings, then numbers and a dataset: measured at ~11 bytes of memory per
        // byte of CSV (10 MB of numbers, 113 MB resident), so 16 is the estimate.
        let size = crate::io::read::regular(path, "a CSV file")?.len() as u128;
        crate::io::limits::check_file(
            path.display(),
            &format!(
                "reading this CSV file ({}, about 16 bytes of memory per byte)",
                crate::io::limits::human(size)
            ),
            size * 16,
        )?;
        let text = crate::io::read::text_within_memory(path, "a CSV file", 16)?;
        CsvTable::parse_with(&text, &path.display().to_string(), delimiter)
    }

    /// The indices of the columns named `names` (one pass over the header, so that a header of
    /// a million columns is looked up in linear time).
    pub fn columns(&self, names: &[String]) -> Result<Vec<usize>> {
        let index: std::collections::HashMap<&str, usize> = self
            .header
            .iter()
            .enumerate()
            .map(|(k, h)| (h.as_str(), k))
            .collect();
        names
            .iter()
            .map(|n| {
                index
                    .get(n.as_str())
                    .copied()
                    .map_or_else(|| self.column(n), Ok)
            })
            .collect()
    }

    /// The index of the column named `name`.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::File {
                file: self.file.clone(),
                message: format!(
                    "no column named `{name}`; the header has {}",
                    quoted_list(&self.header)
                ),
            })
    }

    /// The numbers of the given columns, row by row: `[rows × columns.len()]`. A missing or
    /// non-numeric field is an error naming its line and column.
    pub fn numbers(&self, columns: &[usize]) -> Result<Vec<f64>> {
        let mut out = Vec::with_capacity(self.rows.len() * columns.len());
        for (line, fields) in &self.rows {
            for &c in columns {
                out.push(self.number(*line, c, &fields[c])?);
            }
        }
        Ok(out)
    }

    pub(crate) fn number(&self, line: u64, column: usize, field: &str) -> Result<f64> {
        let place = format!(
            "line {line}, column {} (`{}`)",
            column + 1,
            self.header[column]
        );
        let message = if field.is_empty() {
            format!("{place}: missing value, expected a number")
        } else if crate::data::missing::is_missing(field) {
            format!("{place}: missing value (`{field}`), expected a number")
        } else {
            match field.parse::<f64>() {
                Ok(v) if v.is_finite() => return Ok(v),
                Ok(_) => format!("{place}: `{field}` is not a finite number"),
                Err(_) => format!("{place}: `{field}` is not a number"),
            }
        };
        Err(Error::File {
            file: self.file.clone(),
            message,
        })
    }
}

/// A separator as a spec writes it: `","`, `"\t"`.
pub fn show_separator(d: u8) -> String {
    match d {
        b'\t' => "\"\\t\"".to_string(),
        _ => format!("\"{}\"", d as char),
    }
}

/// The separator of a CSV text: the one of `,` `;` tab `|` that occurs most in the header row
/// outside double quotes (the first of them on a tie, `,` when none occurs).
pub fn separator(text: &str) -> u8 {
    let header = text.split('\n').next().unwrap_or("");
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for b in header.bytes() {
        match b {
            b'"' => quoted = !quoted,
            _ if quoted => {}
            b',' => counts[0] += 1,
            b';' => counts[1] += 1,
            b'\t' => counts[2] += 1,
            b'|' => counts[3] += 1,
            _ => {}
        }
    }
    let best = (0..4).fold(0, |best, k| if counts[k] > counts[best] { k } else { best });
    [b',', b';', b'\t', b'|'][best]
}

/// `` `a`, `b`, `c` `` (at most 12 names, then "…").
pub(crate) fn quoted_list(names: &[String]) -> String {
    let mut s: Vec<String> = names.iter().take(12).map(|n| format!("`{n}`")).collect();
    if names.len() > 12 {
        s.push(format!("… ({} columns)", names.len()));
    }
    s.join(", ")
}
