//! Fuzzing the CSV reader and the data preparation behind it (proptest-driven, so it runs in
//! `cargo test`): random text, and mutations of a valid table (fields replaced by hostile
//! values, rows cut, duplicated or emptied, separators and quotes inserted).
//!
//! The property: nothing panics. A table that parses gives its numbers or an error; a spec whose
//! CSV data prepare without error trains one epoch (or stops on a NaN).

use backprop::data::csv::CsvTable;
use backprop::{Dataset, Error, Spec, Trainer, TrainerConfig};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};

const TABLE: &str = "a,b,c,label
5.1,3.5,1.4,setosa
4.9,3.0,1.4,setosa
7.0,3.2,4.7,versicolor
6.4,3.2,4.5,versicolor
6.3,3.3,6.0,virginica
5.8,2.7,5.1,virginica
5.0,3.6,1.4,setosa
6.9,3.1,4.9,versicolor
6.5,3.0,5.8,virginica
5.5,2.3,4.0,versicolor
";

const FIELDS: [&str; 20] = [
    "", "nan", "inf", "-inf", "1e308", "1e400", "-0", "abc", "\"", "\"a,b\"", ",", "\n", "\r\n",
    "setosa", "0", "1", "2", "99", "label", "é",
];

fn spec(loss: &str, outputs: usize, output_activation: &str, target: &str) -> Spec {
    Spec::parse(
        &format!(
            "inputs = 3\nloss = \"{loss}\"\n[optimizer]\nlearning_rate = 0.1\n\
             [[layers]]\nunits = 4\nactivation = \"tanh\"\n\
             [[layers]]\nunits = {outputs}\nactivation = \"{output_activation}\"\n\
             [training]\nbatch_size = 3\n\
             [data]\npath = \"fuzz.csv\"\ntarget = \"{target}\"\nvalidation = 0.2\ntest = 0.2\n"
        ),
        "fuzz.toml",
    )
    .unwrap()
}

/// Parses the table; prepares and trains on it as a classification and as a regression.
/// Returns whether the table parsed and whether some preparation succeeded.
fn exercise(text: &str, dir: &std::path::Path, specs: &[Spec]) -> (bool, bool) {
    let parsed = match CsvTable::parse(text, "fuzz.csv") {
        Ok(table) => {
            let all: Vec<usize> = (0..table.header.len()).collect();
            let _ = table.numbers(&all);
            true
        }
        Err(_) => false,
    };
    std::fs::write(dir.join("fuzz.csv"), text).unwrap();
    let mut prepared = false;
    for spec in specs {
        let Ok(data) = spec.prepare::<f64>(dir) else {
            continue;
        };
        prepared = true;
        train_one_epoch(spec, &data.train);
    }
    (parsed, prepared)
}

fn train_one_epoch(spec: &Spec, data: &Dataset<f64>) {
    let mut net = spec.network::<f64>().unwrap();
    let mut trainer = Trainer::new(
        &net,
        &TrainerConfig {
            optimizer: spec.optimizer_config(),
            batch_size: 3,
            shuffle: true,
            seed: 0,
        },
        data.len(),
    );
    match trainer.epoch(&mut net, data) {
        Ok(_) | Err(Error::NonFinite(_)) => {}
        Err(e) => panic!("training on prepared data failed: {e}"),
    }
}

fn run<S: Strategy>(name: &str, cases: u32, strategy: S, text: impl Fn(S::Value) -> String) {
    backprop::io::limits::set_memory_limit(Some(64 << 20));
    let dir = tempfile::tempdir().unwrap();
    let specs = [
        spec("cross_entropy", 3, "softmax", "label"),
        spec("mse", 1, "linear", "c"),
    ];
    let counts = std::cell::Cell::new((0usize, 0usize));
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |v| {
            let (p, q) = exercise(&text(v), dir.path(), &specs);
            let (a, b) = counts.get();
            counts.set((a + p as usize, b + q as usize));
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let (parsed, prepared) = counts.get();
    println!("fuzz csv {name}: {cases} cases, {parsed} parsed, {prepared} prepared and trained");
}

#[test]
fn the_seed_table_trains() {
    let dir = tempfile::tempdir().unwrap();
    let specs = [spec("cross_entropy", 3, "softmax", "label")];
    assert_eq!(exercise(TABLE, dir.path(), &specs), (true, true));
}

#[test]
fn random_text_never_panics() {
    run(
        "random text",
        1000,
        proptest::collection::vec((any::<Index>(), any::<u8>()), 0..60),
        |parts| {
            parts
                .iter()
                .map(|(i, b)| match b % 3 {
                    0 => FIELDS[i.index(FIELDS.len())].to_string(),
                    1 => ",".to_string(),
                    _ => char::from(b'0' + b % 10).to_string(),
                })
                .collect()
        },
    );
}

#[test]
fn mutated_tables_never_panic() {
    let edit = (any::<Index>(), any::<Index>(), 0..4u8, any::<Index>());
    run(
        "mutated",
        2000,
        proptest::collection::vec(edit, 1..5),
        |edits| {
            let mut rows: Vec<Vec<String>> = TABLE
                .lines()
                .map(|l| l.split(',').map(String::from).collect())
                .collect();
            for (r, c, kind, f) in edits {
                let r = r.index(rows.len());
                match kind {
                    0 if !rows[r].is_empty() => {
                        let c = c.index(rows[r].len());
                        rows[r][c] = FIELDS[f.index(FIELDS.len())].to_string();
                    }
                    0 => {}
                    1 => {
                        rows.remove(r);
                        if rows.is_empty() {
                            break;
                        }
                    }
                    2 => {
                        let row = rows[r].clone();
                        rows.insert(r, row);
                    }
                    _ => {
                        let keep = c.index(rows[r].len() + 1);
                        rows[r].truncate(keep);
                    }
                }
            }
            rows.iter().map(|r| r.join(",") + "\n").collect()
        },
    );
}
