//! A kill at any moment never leaves a corrupt model file: `backprop train … --save` is killed
//! (SIGKILL) at random moments, many times, while it writes checkpoints; each time the model file
//! is found whole and loadable, either the old one or a new one.

use backprop::{model_file, AnyModel};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const KILLS: usize = 40;

/// A network large enough that a model file takes a while to write (~74k parameters, 590 KB),
/// on 8 inline samples, so that an epoch is short and checkpoints follow each other closely.
fn spec() -> String {
    let inputs = 32;
    let row = |s: usize| {
        let v: Vec<String> = (0..inputs)
            .map(|i| format!("{:.3}", ((s * 7 + i * 3) % 11) as f64 / 11.0))
            .collect();
        format!("[{}]", v.join(", "))
    };
    let x: Vec<String> = (0..8).map(row).collect();
    let t: Vec<String> = (0..8)
        .map(|s| format!("[{}, 0.5, -0.5, {}]", s % 2, s % 3))
        .collect();
    format!(
        "inputs = {inputs}\nloss = \"mse\"\n[optimizer]\nlearning_rate = 0.0001\n\
         [[layers]]\nunits = 256\nactivation = \"relu\"\n\
         [[layers]]\nunits = 256\nactivation = \"tanh\"\n\
         [[layers]]\nunits = 4\nactivation = \"linear\"\n\
         [training]\nbatch_size = 4\nseed = 1\n\
         [data]\ninputs = [{}]\ntargets = [{}]\n",
        x.join(", "),
        t.join(", ")
    )
}

fn backprop(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_backprop"));
    c.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// The parameter count of a loadable model file.
fn load(path: &Path) -> Result<usize, String> {
    match model_file::load(path).map_err(|e| e.to_string())? {
        AnyModel::F32(m) => Ok(m.network.params.len()),
        AnyModel::F64(m) => Ok(m.network.params.len()),
    }
}

#[test]
fn a_kill_at_any_moment_leaves_the_old_or_a_new_model_whole() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("spec.toml"), spec()).unwrap();
    let model = dir.path().join("model.safetensors");
    let help = backprop(dir.path(), &["train", "--help"])
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let checkpoints = String::from_utf8_lossy(&help.stdout).contains("--checkpoint-every");

    // The old model, and how long a whole run takes (to spread the kills over it).
    let epochs = "50";
    let mut args = vec![
        "train",
        "spec.toml",
        "--epochs",
        epochs,
        "--save",
        "model.safetensors",
    ];
    if checkpoints {
        args.extend(["--checkpoint-every", "1"]);
    }
    let start = Instant::now();
    let status = backprop(dir.path(), &args).status().unwrap();
    let run_time = start.elapsed();
    assert!(status.success(), "the uninterrupted run failed");
    let params = load(&model).expect("the old model loads");

    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let (mut unchanged, mut replaced, mut leftovers) = (0, 0, 0);
    for kill in 0..KILLS {
        // Each run its own seed, so that its model differs from every earlier one.
        let seed = (kill + 2).to_string();
        let mut run_args = args.clone();
        run_args.extend(["--seed", &seed]);
        let before = std::fs::read(&model).unwrap();
        let mut child = backprop(dir.path(), &run_args).spawn().unwrap();
        // Every fourth kill comes within the first few milliseconds, before the first write
        // (checkpoints follow each other closely); the others anywhere in the run.
        let delay = if kill % 4 == 0 {
            std::time::Duration::from_micros(rng.gen_range(0..3000))
        } else {
            run_time.mul_f64(rng.gen_range(0.0..1.1))
        };
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let found = load(&model).unwrap_or_else(|e| {
            panic!("kill {kill} after {delay:?}: the model file is broken: {e}")
        });
        assert_eq!(found, params, "kill {kill}: another network");
        if std::fs::read(&model).unwrap() == before {
            unchanged += 1;
        } else {
            replaced += 1;
        }
        // A kill during a write leaves its temporary file (never the model file) behind.
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if name != "spec.toml" && name != "model.safetensors" {
                assert!(name.starts_with(".model.safetensors.tmp-"), "stray {name}");
                std::fs::remove_file(dir.path().join(&name)).unwrap();
                leftovers += 1;
            }
        }
    }
    println!(
        "{KILLS} kills over runs of {run_time:?} (checkpoints: {checkpoints}): the model file \
         unchanged {unchanged} times, replaced {replaced} times, {leftovers} temporary files \
         left by a kill mid-write"
    );
    // The kills must have landed both before and after some write, or they tested nothing.
    assert!(replaced > 0, "no kill came after a write");
    assert!(unchanged > 0, "no kill came before a write");
}
