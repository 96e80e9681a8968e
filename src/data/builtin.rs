//! Data sets built into the binary, usable as `path = "builtin:NAME"`. Sources and licences:
//! `data/README.md`.

/// One built-in table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Builtin {
    pub name: &'static str,
    /// The CSV text (header row; the target is the last column).
    pub csv: &'static str,
    /// What it is, in a few words.
    pub about: &'static str,
}

/// Every built-in data set.
pub const ALL: [Builtin; 7] = [
    Builtin {
        name: "worked_example",
        csv: include_str!("../../data/worked_example.csv"),
        about: "the seed notes' two samples (regression, 2 inputs → 1 target)",
    },
    Builtin {
        name: "xor",
        csv: include_str!("../../data/xor.csv"),
        about: "exclusive or: 4 samples, 2 inputs, 2 classes",
    },
    Builtin {
        name: "iris",
        csv: include_str!("../../data/iris.csv"),
        about: "Fisher's iris: 150 flowers, 4 measurements, 3 species",
    },
    Builtin {
        name: "wine",
        csv: include_str!("../../data/wine.csv"),
        about: "UCI wine: 178 wines, 13 chemical measurements, 3 cultivars",
    },
    Builtin {
        name: "breast_cancer",
        csv: include_str!("../../data/breast_cancer.csv"),
        about: "UCI breast cancer (diagnostic): 569 tumours, 30 features, malignant 0 / benign 1",
    },
    Builtin {
        name: "digits",
        csv: include_str!("../../data/digits.csv"),
        about: "UCI optical digits: 1797 8×8 images (values 0..16), 10 classes",
    },
    Builtin {
        name: "diabetes",
        csv: include_str!("../../data/diabetes.csv"),
        about: "diabetes progression: 442 patients, 10 features, a number 25..346 (regression)",
    },
];

/// The prefix that names a built-in set in a `path`.
pub const PREFIX: &str = "builtin:";

/// The built-in set `name` (without the prefix).
pub fn find(name: &str) -> Option<&'static Builtin> {
    ALL.iter().find(|b| b.name == name)
}

/// Every built-in name, for error messages.
pub fn names() -> String {
    ALL.iter().map(|b| b.name).collect::<Vec<_>>().join(", ")
}
