//! Tables as they come: a `;`-separated CSV with a byte order mark, a text feature column and
//! missing values trains, predicts and evaluates; the one-hot encoding and the mean / median
//! fill are checked against values worked out here from the CSV text; unseen categories and
//! missing values at predict time are refused with the file, line and column; `inputs` and the
//! output units left out of a spec are taken from the data.

use backprop::data::Missing;
use backprop::{model_file, AnyModel, Spec};
use std::path::Path;
use std::process::{Command, Output};

/// (size, colour, weight, label); `None` where the CSV has a missing value.
type Row = (Option<f64>, Option<&'static str>, Option<f64>, &'static str);

/// size;colour;weight;label — with a missing size (`NA`), weight (empty) and colour (`?`).
/// The rows, as the test reads them by hand: (size, colour, weight, label).
const ROWS: [Row; 8] = [
    (Some(1.0), Some("red"), Some(10.0), "small"),
    (Some(2.0), Some("green"), None, "small"),
    (Some(3.0), Some("blue"), Some(30.0), "big"),
    (None, Some("red"), Some(40.0), "big"),
    (Some(5.0), None, Some(50.0), "big"),
    (Some(7.0), Some("red"), Some(90.0), "small"),
    (Some(8.0), Some("green"), Some(20.0), "small"),
    (Some(9.0), Some("blue"), Some(60.0), "big"),
];

/// [`ROWS`] as a CSV file: a UTF-8 byte order mark, `;` separators, CRLF line ends.
fn csv_text() -> String {
    let mut s = String::from("\u{feff}size;colour;weight;label\r\n");
    for (size, colour, weight, label) in ROWS {
        let size = size.map_or("NA".to_string(), |v| v.to_string());
        let weight = weight.map_or(String::new(), |v| v.to_string());
        s += &format!("{size};{};{weight};{label}\r\n", colour.unwrap_or("?"));
    }
    s
}

/// The categories of `colour`, sorted, as the one-hot inputs are ordered.
const COLOURS: [&str; 3] = ["blue", "green", "red"];

fn one_hot(colour: &str) -> [f64; 3] {
    COLOURS.map(|c| if c == colour { 1.0 } else { 0.0 })
}

/// A spec over `data.csv`, the `[data]` lines given; `shape` is `inputs = …` and the output
/// layer's `units = …` lines, or empty to leave them out.
fn spec(inputs: &str, units: &str, data: &str) -> String {
    format!(
        "{inputs}\nloss = \"cross_entropy\"\n[optimizer]\nkind = \"adam\"\nlearning_rate = 0.05\n\
         [[layers]]\nunits = 4\nactivation = \"tanh\"\n[[layers]]\n{units}\nactivation = \"softmax\"\n\
         [training]\nepochs = 20\nbatch_size = 4\nseed = 7\n[data]\npath = \"data.csv\"\n{data}\n"
    )
}

fn backprop(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_backprop"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = backprop(dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs a command that must be refused: exit status 2; returns its stderr.
fn refused(dir: &Path, args: &[&str]) -> String {
    let out = backprop(dir, args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn folder(spec_text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.csv"), csv_text()).unwrap();
    std::fs::write(dir.path().join("spec.toml"), spec_text).unwrap();
    dir
}

fn prepared(dir: &Path) -> (Spec, backprop::Prepared<f64>) {
    let spec = Spec::from_file(&dir.join("spec.toml")).unwrap();
    let p = spec.prepare::<f64>(dir).unwrap();
    (spec, p)
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The training rows' inputs worked out by hand: size, colour one-hot (blue, green, red),
/// weight, with missing values filled from the rows `train` by `fill`.
fn by_hand(train: &[usize], fill: fn(&[f64]) -> f64) -> Vec<f64> {
    let sizes: Vec<f64> = train.iter().filter_map(|&r| ROWS[r].0).collect();
    let weights: Vec<f64> = train.iter().filter_map(|&r| ROWS[r].2).collect();
    let mut counts = [0; 3];
    for &r in train {
        if let Some(c) = ROWS[r].1 {
            counts[COLOURS.iter().position(|k| *k == c).unwrap()] += 1;
        }
    }
    // The most frequent colour; a tie goes to the first in sorted order.
    let top = (0..3).fold(0, |b, k| if counts[k] > counts[b] { k } else { b });
    let mut x = Vec::new();
    for &r in train {
        let (size, colour, weight, _) = ROWS[r];
        x.push(size.unwrap_or_else(|| fill(&sizes)));
        x.extend(one_hot(colour.unwrap_or(COLOURS[top])));
        x.push(weight.unwrap_or_else(|| fill(&weights)));
    }
    x
}

#[test]
fn one_hot_and_mean_fill_match_the_hand_encoding() {
    let dir = folder(&spec(
        "",
        "",
        "missing = \"mean\"\nvalidation = 0\ntest = 0\nstandardize = false",
    ));
    let (spec, p) = prepared(dir.path());
    // size, three colours, weight; two classes (big, small).
    assert_eq!((spec.inputs, spec.outputs()), (5, 2));
    assert_eq!(
        p.info.feature_names,
        [
            "size",
            "colour=blue",
            "colour=green",
            "colour=red",
            "weight"
        ]
    );
    let all: Vec<usize> = (0..8).collect();
    // Sizes 1 2 3 5 7 8 9: mean 35/7 = 5; weights 10 30 40 50 90 20 60: mean 300/7;
    // colours: red 3, green 2, blue 2 → red.
    let x = by_hand(&all, mean);
    assert_eq!(x[3 * 5], 5.0);
    assert_eq!(x[5 + 4], 300.0 / 7.0);
    assert_eq!(&x[4 * 5 + 1..4 * 5 + 4], [0.0, 0.0, 1.0]);
    assert_eq!(p.train.x, x);
    assert_eq!(p.info.encoding.missing, Missing::Mean);
    assert_eq!(
        p.info.encoding.fill.as_deref(),
        Some(&[5.0, 0.0, 0.0, 1.0, 300.0 / 7.0][..])
    );
    // Classes sorted: big, small.
    let t: Vec<f64> = ROWS
        .iter()
        .flat_map(|r| if r.3 == "big" { [1.0, 0.0] } else { [0.0, 1.0] })
        .collect();
    assert_eq!(p.train.t, t);
}

#[test]
fn the_fill_is_fitted_on_the_training_rows_only() {
    let dir = folder(&spec(
        "",
        "",
        "missing = \"median\"\nvalidation = 0\ntest = 0.5\nstandardize = false",
    ));
    let (_, p) = prepared(dir.path());
    assert_eq!(p.train_rows.len(), 4);
    let x = by_hand(&p.train_rows, median);
    assert_eq!(p.train.x, x);
    let sizes: Vec<f64> = p.train_rows.iter().filter_map(|&r| ROWS[r].0).collect();
    let fill = p.info.encoding.fill.as_ref().unwrap();
    assert_eq!(fill[0], median(&sizes));
    // The split makes a difference: over all rows the medians would be others.
    let all_sizes: Vec<f64> = ROWS.iter().filter_map(|r| r.0).collect();
    let all_weights: Vec<f64> = ROWS.iter().filter_map(|r| r.2).collect();
    assert!(
        fill[0] != median(&all_sizes) || fill[4] != median(&all_weights),
        "{fill:?}"
    );
    // The test rows are filled with the training rows' values, not their own.
    let test = p.test.as_ref().unwrap();
    let test_rows: Vec<usize> = (0..8).filter(|r| !p.train_rows.contains(r)).collect();
    for (k, &r) in test_rows.iter().enumerate() {
        let row = &test.x[k * 5..(k + 1) * 5];
        assert_eq!(row[0], ROWS[r].0.unwrap_or(fill[0]), "test row {r}");
        assert_eq!(row[4], ROWS[r].2.unwrap_or(fill[4]), "test row {r}");
    }
}

#[test]
fn one_hot_inputs_are_not_standardised() {
    let dir = folder(&spec(
        "",
        "",
        "missing = \"mean\"\nvalidation = 0\ntest = 0",
    ));
    let (_, p) = prepared(dir.path());
    let s = p.info.features.as_ref().unwrap();
    assert_eq!(&s.mean[1..4], [0.0, 0.0, 0.0]);
    assert_eq!(&s.std[1..4], [1.0, 1.0, 1.0]);
    let x = by_hand(&(0..8).collect::<Vec<_>>(), mean);
    // The size column: (x − μ) / σ, μ and σ (population) of the filled column by hand.
    let sizes: Vec<f64> = (0..8).map(|r| x[r * 5]).collect();
    let mu = mean(&sizes);
    let sigma = (sizes.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / 8.0).sqrt();
    for r in 0..8 {
        let got = &p.train.x[r * 5..(r + 1) * 5];
        assert!((got[0] - (x[r * 5] - mu) / sigma).abs() < 1e-12);
        assert_eq!(&got[1..4], &x[r * 5 + 1..r * 5 + 4]);
    }
}

#[test]
fn a_messy_table_trains_predicts_and_evaluates() {
    let dir = folder(&spec("", "", "missing = \"median\"\ndelimiter = \";\""));
    let d = dir.path();
    ok(
        d,
        &["train", "spec.toml", "--quiet", "--save", "m.safetensors"],
    );
    // New rows, with a missing size and a missing colour: filled with the training medians
    // and most frequent colour, so the predictions equal those of the rows filled by hand.
    let model = model_file::load(&d.join("m.safetensors")).unwrap();
    let AnyModel::F64(model) = model else {
        panic!("f64 model")
    };
    let info = model.data_info().unwrap();
    let fill = info.encoding.fill.clone().unwrap();
    let top = COLOURS[(1..4).find(|&k| fill[k] == 1.0).unwrap() - 1];
    std::fs::write(
        d.join("new.csv"),
        "colour,size,weight\nNA,4,35\nblue,,35\ngreen,4,?\n",
    )
    .unwrap();
    std::fs::write(
        d.join("filled.csv"),
        format!(
            "size,colour,weight\n4,{top},35\n{},blue,35\n4,green,{}\n",
            fill[0], fill[4]
        ),
    )
    .unwrap();
    let new = ok(d, &["predict", "m.safetensors", "--data", "new.csv"]);
    let filled = ok(d, &["predict", "m.safetensors", "--data", "filled.csv"]);
    assert_eq!(new, filled);
    assert!(new.starts_with("class,p_big,p_small\n"), "{new}");
    assert_eq!(new.lines().count(), 4);
    // One-hot by hand: the model's inputs for the first row (4, the top colour, 35), given
    // as --input, predict what the CSV row does.
    let hot: Vec<String> = one_hot(top).iter().map(|v| v.to_string()).collect();
    let encoded = ok(
        d,
        &[
            "predict",
            "m.safetensors",
            "--input",
            &format!("4,{},35", hot.join(",")),
        ],
    );
    let first = filled.lines().nth(1).unwrap();
    let p_big: f64 = first.split(',').nth(1).unwrap().parse().unwrap();
    let shown: f64 = encoded
        .split("big ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!((shown - p_big).abs() < 1e-6, "{encoded} vs {first}");
    // Evaluate on the training file itself (`;`, BOM, missing values filled).
    let out = ok(d, &["evaluate", "m.safetensors", "--data", "data.csv"]);
    assert!(out.contains("(8 samples): loss"), "{out}");
    assert!(out.contains("accuracy"), "{out}");
}

#[test]
fn predict_refuses_an_unseen_category_and_a_missing_value_naming_line_and_column() {
    let dir = folder(&spec("", "", "missing = \"drop\""));
    let d = dir.path();
    let out = ok(
        d,
        &["train", "spec.toml", "--save", "m.safetensors", "--quiet"],
    );
    // Three rows have a missing value.
    assert!(
        out.contains("dropped 3 rows with a missing value ([data] missing = \"drop\")"),
        "{out}"
    );
    std::fs::write(
        d.join("new.csv"),
        "size,colour,weight\n1,red,2\n2,purple,3\n",
    )
    .unwrap();
    let e = refused(d, &["predict", "m.safetensors", "--data", "new.csv"]);
    assert!(
        e.contains("new.csv: line 3, column 2 (`colour`): category `purple` was not in the training data; expected one of `blue`, `green`, `red`"),
        "{e}"
    );
    std::fs::write(d.join("gap.csv"), "size,colour,weight\n1,red,2\nNA,red,3\n").unwrap();
    let e = refused(d, &["predict", "m.safetensors", "--data", "gap.csv"]);
    assert!(
        e.contains("gap.csv: line 3, column 1 (`size`): missing value (`NA`), expected a number (the model was trained with [data] missing = \"drop\", so it has no value to fill in)"),
        "{e}"
    );
    std::fs::write(d.join("gap.csv"), "size,colour,weight,label\n1,,2,big\n").unwrap();
    let e = refused(d, &["evaluate", "m.safetensors", "--data", "gap.csv"]);
    assert!(
        e.contains("gap.csv: line 2, column 2 (`colour`): missing value, expected a category"),
        "{e}"
    );
}

#[test]
fn missing_values_stop_a_run_by_default() {
    let dir = folder(&spec("", "", ""));
    let e = refused(dir.path(), &["train", "spec.toml", "--quiet"]);
    assert!(
        e.contains("data.csv: line 3, column 3 (`weight`): missing value, expected a number (or set [data] missing = \"drop\", \"mean\" or \"median\")"),
        "{e}"
    );
}

#[test]
fn a_missing_target_is_never_filled_in() {
    let dir = folder(&spec("", "", "missing = \"mean\""));
    let d = dir.path();
    let text = csv_text().replace("9;blue;60;big", "9;blue;60;");
    std::fs::write(d.join("data.csv"), text).unwrap();
    let e = refused(d, &["train", "spec.toml", "--quiet"]);
    assert!(
        e.contains("line 9, column 4 (`label`): missing label, expected a class name"),
        "{e}"
    );
}

#[test]
fn inferred_inputs_and_units_equal_the_written_out_ones() {
    let data = "missing = \"mean\"";
    let inferred = folder(&spec("", "", data));
    let written = folder(&spec("inputs = 5", "units = 2", data));
    for d in [inferred.path(), written.path()] {
        ok(
            d,
            &["train", "spec.toml", "--quiet", "--save", "m.safetensors"],
        );
    }
    let params = |d: &Path| match model_file::load(&d.join("m.safetensors")).unwrap() {
        AnyModel::F64(m) => (m.network.inputs, m.network.outputs(), m.network.params),
        AnyModel::F32(_) => panic!("f64"),
    };
    let (a, b) = (params(inferred.path()), params(written.path()));
    assert_eq!((a.0, a.1), (5, 2));
    assert_eq!(a, b);
    let predict = |d: &Path| ok(d, &["predict", "m.safetensors", "--data", "data.csv"]);
    assert_eq!(predict(inferred.path()), predict(written.path()));
}

#[test]
fn units_inferred_for_each_loss() {
    // bce: one sigmoid unit for two classes; mse: one unit per target column.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("data.csv"), "a,b,y1,y2\n1,2,3,4\n2,3,4,5\n3,1,2,2\n").unwrap();
    let text = |loss: &str, act: &str, target: &str| {
        format!(
            "loss = \"{loss}\"\n[optimizer]\nlearning_rate = 0.1\n[[layers]]\nactivation = \"{act}\"\n[data]\npath = \"data.csv\"\ntarget = {target}\n"
        )
    };
    let parse = |t: String| Spec::parse_in(&t, "spec.toml", d).unwrap();
    let s = parse(text("mse", "linear", "[\"y1\", \"y2\"]"));
    assert_eq!((s.inputs, s.outputs()), (2, 2));
    let s = parse(text("bce", "sigmoid", "\"b\""));
    // Features a, y1, y2; `b` has three classes but bce takes one unit (which the data then
    // refuse: three classes for one sigmoid unit).
    assert_eq!((s.inputs, s.outputs()), (3, 1));
    let s = parse(text("cross_entropy", "softmax", "\"b\""));
    assert_eq!((s.inputs, s.outputs()), (3, 3));
}

#[test]
fn a_given_inputs_that_contradicts_the_data_is_refused() {
    let dir = folder(&spec("inputs = 3", "units = 2", "missing = \"mean\""));
    let e = refused(dir.path(), &["train", "spec.toml", "--quiet"]);
    assert!(
        e.contains("data.csv has 5 feature columns after one-hot encoding `colour` (3 categories) (`size`, `colour=blue`, `colour=green`, `colour=red`, `weight`), but `inputs` is 3; expected them equal (leave `inputs` out to take it from the data)"),
        "{e}"
    );
    let dir = folder(&spec("inputs = 5", "units = 3", "missing = \"mean\""));
    let e = refused(dir.path(), &["train", "spec.toml", "--quiet"]);
    assert!(
        e.contains("2 classes (`big`, `small`), but the output layer has 3 units"),
        "{e}"
    );
}

#[test]
fn a_wrong_delimiter_is_named() {
    let dir = folder(&spec("", "", "missing = \"mean\"\ndelimiter = \",\""));
    let e = refused(dir.path(), &["train", "spec.toml", "--quiet"]);
    assert!(
        e.contains("line 1: [data] delimiter is \",\", which does not occur in the header, so every line would be one column; the header is separated by \";\""),
        "{e}"
    );
    let dir = folder(&spec("", "", "delimiter = \";;\""));
    let e = refused(dir.path(), &["train", "spec.toml", "--quiet"]);
    assert!(
        e.contains("data: delimiter is \";;\", expected one character"),
        "{e}"
    );
}

#[test]
fn a_byte_order_mark_is_dropped_at_the_start_only() {
    let t = backprop::data::CsvTable::parse("\u{feff}a;b\n1;2\n", "t.csv").unwrap();
    assert_eq!(t.header, ["a", "b"]);
    // Anywhere else it is text: a column named "\u{feff}b".
    let t = backprop::data::CsvTable::parse("a;\u{feff}b\n1;2\n", "t.csv").unwrap();
    assert_eq!(t.header[1], "\u{feff}b");
}

#[test]
fn a_column_named_in_categorical_is_one_hot_even_when_numeric() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("data.csv"),
        "grade,x,label\n2,0.5,a\n10,1.5,b\n1,2.5,a\n",
    )
    .unwrap();
    let text = "loss = \"cross_entropy\"\n[optimizer]\nlearning_rate = 0.1\n[[layers]]\nactivation = \"softmax\"\n[data]\npath = \"data.csv\"\ncategorical = [\"grade\"]\nvalidation = 0\ntest = 0\nstandardize = false\n";
    let s = Spec::parse_in(text, "spec.toml", d).unwrap();
    let p = s.prepare::<f64>(d).unwrap();
    // Categories in numeric order: 1, 2, 10.
    assert_eq!(
        p.info.feature_names,
        ["grade=1", "grade=2", "grade=10", "x"]
    );
    #[rustfmt::skip]
    let by_hand = [
        0.0, 1.0, 0.0, 0.5,
        0.0, 0.0, 1.0, 1.5,
        1.0, 0.0, 0.0, 2.5,
    ];
    assert_eq!(p.train.x, by_hand);
    let bad = text.replace("[\"grade\"]", "[\"grades\"]");
    let e = Spec::parse_in(&bad, "spec.toml", d)
        .and_then(|s| s.prepare::<f64>(d).map(drop))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no column named `grades` (named in [data] categorical)"),
        "{e}"
    );
}

#[test]
fn the_tables_example_trains() {
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/13-tables.toml");
    let out = ok(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["train", spec, "--quiet"],
    );
    assert!(
        out.contains("test set (8 samples): loss") && out.contains("accuracy 1.0000"),
        "{out}"
    );
}

#[test]
fn inline_rows_give_the_shape_too() {
    // The worked example without `inputs` and the output layer's `units`: 2 inputs and 1
    // output, from its inline rows; otherwise the same spec.
    let text = backprop::spec::WORKED_EXAMPLE
        .replacen("inputs = 2\n", "", 1)
        .replacen("units = 1\n", "", 1);
    assert!(!text.contains("inputs = 2\n") && !text.contains("units = 1\n"));
    let s = Spec::parse(&text, "worked example").unwrap();
    assert_eq!(s, Spec::worked_example());
}
