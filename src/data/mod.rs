//! Data: reading samples from CSV tables, MNIST's IDX files and built-in sets ([`table`]),
//! splitting them into training / validation / test parts ([`split`]), standardising the
//! features ([`standardize`]), all from a spec's `[data]` section ([`config`]) to the
//! [`Dataset`]s training runs on ([`prepare`]). It imports the engine (floats, losses) and
//! `io` (size limits), nothing above them.

pub mod batch;
pub mod builtin;
pub mod checks;
pub mod classes;
pub mod config;
pub mod csv;
pub mod dataset;
pub mod encoding;
pub mod idx;
pub mod infer;
pub mod info;
pub mod missing;
pub mod prepare;
pub mod split;
pub mod standardize;
pub mod table;
pub mod task;

pub use self::csv::CsvTable;
pub use batch::{Pick, StepRows};
pub use classes::encode_classes;
pub use config::DataSpec;
pub use dataset::Dataset;
pub use encoding::{Encoding, InputColumn};
pub use info::DataInfo;
pub use info::{idx_features, idx_for_model};
pub use missing::Missing;
pub use prepare::{prepare, DataShape, Prepared};
pub use split::Split;
pub use standardize::Standardizer;
pub use table::{load_table, read_csv, Table};
pub use task::Task;
