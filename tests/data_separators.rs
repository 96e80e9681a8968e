//! CSV separators and the byte order mark: `,` `;` tab `|` detected from the header row, a
//! leading UTF-8 BOM dropped (README, "[data]").

use backprop::data::CsvTable;
use std::process::Command;

fn parse(text: &str) -> CsvTable {
    CsvTable::parse(text, "t.csv").unwrap()
}

#[test]
fn each_separator_is_detected_from_the_header() {
    for sep in [",", ";", "\t", "|"] {
        let text = format!("x1{sep}x2{sep}y\n1.5{sep}2{sep}3\n");
        let t = parse(&text);
        assert_eq!(t.header, ["x1", "x2", "y"], "separator {sep:?}");
        assert_eq!(t.numbers(&[0, 1, 2]).unwrap(), [1.5, 2.0, 3.0]);
    }
}

#[test]
fn separators_inside_quotes_do_not_count() {
    // One `,` outside quotes, two `;` inside: the file is comma-separated.
    let t = parse("\"a;b;c\",y\n1,2\n");
    assert_eq!(t.header, ["a;b;c", "y"]);
    // The most frequent wins: two `;`, one `,` (in a name).
    let t = parse("a;b,c;y\n1;2;3\n");
    assert_eq!(t.header, ["a", "b,c", "y"]);
}

#[test]
fn a_leading_byte_order_mark_is_dropped_and_any_other_kept() {
    let t = parse("\u{feff}x;y\n1;2\n");
    assert_eq!(t.header, ["x", "y"]);
    let t = parse("x,\u{feff}y\n1,2\n");
    assert_eq!(t.header, ["x", "\u{feff}y"]);
}

#[test]
fn a_semicolon_file_with_a_bom_trains_and_predicts() {
    let dir = tempfile::tempdir().unwrap();
    // y = x1 + x2 on four rows; one linear unit, no standardisation.
    let data = "\u{feff}x1;x2;y\r\n1;2;3\r\n2;1;3\r\n0;1;1\r\n1;0;1\r\n";
    std::fs::write(dir.path().join("data.csv"), data).unwrap();
    let spec = "inputs = 2\nloss = \"half_sse\"\n[optimizer]\nlearning_rate = 0.1\n\
                [[layers]]\nunits = 1\nactivation = \"linear\"\n[training]\nepochs = 500\nbatch_size = 4\n\
                [data]\npath = \"data.csv\"\ntarget = \"y\"\nvalidation = 0\ntest = 0\nstandardize = false\n";
    std::fs::write(dir.path().join("spec.toml"), spec).unwrap();
    let bin = env!("CARGO_BIN_EXE_backprop");
    let model = dir.path().join("m.safetensors");
    let out = Command::new(bin)
        .arg("train")
        .arg(dir.path().join("spec.toml"))
        .args(["-q", "--save"])
        .arg(&model)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(bin)
        .arg("predict")
        .arg(&model)
        .args(["--data"])
        .arg(dir.path().join("data.csv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let values: Vec<f64> = text.lines().skip(1).map(|l| l.parse().unwrap()).collect();
    // The least-squares fit of y = x1 + x2 is exact: predictions 3, 3, 1, 1.
    for (v, want) in values.iter().zip([3.0, 3.0, 1.0, 1.0]) {
        assert!((v - want).abs() < 1e-3, "{values:?}");
    }
}
