//! Numerical safety: the stable forms at |z| = 1000 against their closed forms, training on inputs
//! of magnitude 1000 with every activation and every loss, and the message when a run does blow up.

use backprop::kernels::bce_from_logit;
use backprop::kernels::{log_sum_exp, sigmoid, softmax_row};
use backprop::{
    model_file, Activation, BiasKind, Dataset, Error, Float, LayerShape, Loss, ModelFile, Network,
    OptimizerConfig, OptimizerKind, Spec, Trainer, TrainerConfig, Workspace,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// e^−1000 ≈ 5e−435 is below the smallest f64, so the stable forms give these exactly.
#[test]
fn stable_forms_match_their_closed_forms_at_1000() {
    assert_eq!(sigmoid(1000.0f64), 1.0);
    assert_eq!(sigmoid(-1000.0f64), 0.0);
    assert_eq!(sigmoid(-1000.0f32), 0.0);
    let mut a = [0.0f64; 3];
    softmax_row(&[1000.0, 0.0, -1000.0], &mut a);
    assert_eq!(a, [1.0, 0.0, 0.0]);
    // log(e^1000 + e^−1000) = 1000 + log(1 + e^−2000) = 1000
    assert_eq!(log_sum_exp(&[1000.0f64, -1000.0]), 1000.0);
    // BCE from the logit: max(z,0) − z·t + ln(1 + e^−|z|)
    assert_eq!(bce_from_logit(1000.0f64, 0.0), 1000.0); // −ln(1 − σ(1000)) = 1000
    assert_eq!(bce_from_logit(-1000.0f64, 1.0), 1000.0); // −ln σ(−1000) = 1000
    assert_eq!(bce_from_logit(1000.0f64, 1.0), 0.0);
    // Cross-entropy of logits (1000, −1000) with target class 2: lse − z₂ = 1000 + 1000.
    let (z, t) = ([1000.0f64, -1000.0], [0.0, 1.0]);
    let mut out = [0.0; 2];
    softmax_row(&z, &mut out);
    assert_eq!(Loss::CrossEntropy.value(&z, &out, &t, 1, 2), 2000.0);
    // Its gradient (a − t) = (1 − 0, 0 − 1).
    let (mut scratch, mut dz) = ([0.0; 2], [0.0; 2]);
    Loss::CrossEntropy.value_and_delta(
        Activation::Softmax,
        &z,
        &out,
        &t,
        1,
        2,
        &mut scratch,
        &mut dz,
    );
    assert_eq!(dz, [1.0, -1.0]);
}

/// Every (output activation, loss) pair the engine accepts.
fn output_pairs() -> Vec<(Activation, Loss)> {
    let mut pairs = vec![
        (Activation::Softmax, Loss::CrossEntropy),
        (Activation::Sigmoid, Loss::Bce),
    ];
    for a in Activation::ALL {
        pairs.push((a, Loss::HalfSse));
        pairs.push((a, Loss::Mse));
    }
    pairs
}

/// A 3-4-2 network with weights in ±1 and inputs in ±1000 (so pre-activations reach the
/// thousands), trained for 20 Adam steps: every loss and every gradient must stay finite.
fn train_at_magnitude_1000<F: Float>(hidden: Activation, output: Activation, loss: Loss) {
    let shapes = [
        LayerShape {
            units: 4,
            activation: hidden,
            bias: BiasKind::PerUnit,
        },
        LayerShape {
            units: 2,
            activation: output,
            bias: BiasKind::Shared,
        },
    ];
    let mut net = Network::<F>::new(3, &shapes, loss).expect("a valid pair");
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for p in &mut net.params {
        *p = F::from_f64(rng.gen_range(-1.0..1.0));
    }
    let n = 8;
    let x: Vec<f64> = (0..n * 3)
        .map(|k| if k % 2 == 0 { 1000.0 } else { -1000.0 } * rng.gen_range(0.5..1.0))
        .collect();
    // One-hot targets suit every loss (cross-entropy, BCE, and the squared errors).
    let t: Vec<f64> = (0..n)
        .flat_map(|s| [(s % 2) as f64, ((s + 1) % 2) as f64])
        .collect();
    let data = Dataset::<F>::from_f64(&x, &t, 3, 2).unwrap();
    let config = OptimizerConfig::new(OptimizerKind::Adam, 0.01);
    let mut trainer = Trainer::new(
        &net,
        &TrainerConfig {
            optimizer: config,
            batch_size: 4,
            shuffle: true,
            seed: 1,
        },
        n,
    );
    let what = format!(
        "{hidden:?} → {output:?} with {loss:?} in {}",
        F::DTYPE.name()
    );
    for _ in 0..10 {
        let stats = trainer
            .epoch(&mut net, &data)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(stats.loss.is_finite(), "{what}: loss {}", stats.loss);
        assert!(
            trainer.workspace.gradients().iter().all(|g| g.is_finite()),
            "{what}: a gradient is not finite"
        );
    }
    assert!(
        net.params.iter().all(|p| p.is_finite()),
        "{what}: parameters"
    );
    // A forward pass on the extremes themselves.
    let mut ws = Workspace::new(&net, 2);
    let xs: Vec<F> = [1000.0, -1000.0, 1000.0, -1000.0, 1000.0, -1000.0]
        .iter()
        .map(|&v| F::from_f64(v))
        .collect();
    let out = net.forward(&xs, 2, &mut ws);
    assert!(out.iter().all(|v| v.is_finite()), "{what}: outputs");
}

#[test]
fn training_on_inputs_of_magnitude_1000_stays_finite_for_every_activation_and_loss() {
    let hidden = Activation::ALL
        .into_iter()
        .filter(|&a| a != Activation::Softmax);
    for h in hidden {
        for (output, loss) in output_pairs() {
            train_at_magnitude_1000::<f64>(h, output, loss);
            train_at_magnitude_1000::<f32>(h, output, loss);
        }
    }
}

/// One linear unit, E = (w·x + b − t)² with x = 1, t = 0, w = 1, b = 0 (shared bias), SGD η.
/// With s = w + b, both gradients are 2s, so one step maps s to s − 4ηs = (1 − 4η)·s:
/// s_k = (1 − 4η)^k after k steps, and w − b stays 1. The loss s_k² overflows f64 at the first k
/// with |s_k| > √f64::MAX, which is found at step k + 1 (one sample, so one step per epoch);
/// every value the step computes before the loss is finite, and the largest parameter is b
/// (k odd makes s negative, and |b| = |s − 1|/2 > |w| = |s + 1|/2).
#[test]
fn a_diverging_run_stops_with_epoch_step_and_place() {
    let eta: f64 = 1e10;
    let k = (f64::MAX.sqrt().ln() / (4.0 * eta - 1.0).ln()).ceil() as u64;
    assert_eq!(k % 2, 1, "the derivation above assumes k odd");
    let spec = Spec::parse(
        &format!(
            "inputs = 1\nloss = \"mse\"\n[optimizer]\nlearning_rate = {eta:e}\n\
             [[layers]]\nunits = 1\nactivation = \"linear\"\nweights = [[1.0]]\nbias = 0.0\n\
             [training]\nepochs = 100\n[data]\ninputs = [[1.0]]\ntargets = [[0.0]]\n"
        ),
        "diverging.toml",
    )
    .unwrap();
    let mut net = spec.network::<f64>().unwrap();
    let data = Dataset::<f64>::from_f64(&[1.0], &[0.0], 1, 1).unwrap();
    let mut trainer = Trainer::new(
        &net,
        &TrainerConfig::in_order(spec.optimizer_config(), 1),
        1,
    );
    let error = loop {
        if let Err(e) = trainer.epoch(&mut net, &data) {
            break e;
        }
        assert!(
            trainer.steps_done() <= k,
            "no error by step {}",
            trainer.steps_done()
        );
    };
    let Error::NonFinite(message) = error else {
        panic!("expected a NonFinite error, got {error}")
    };
    let step = k + 1;
    for part in [
        format!("at epoch {step}, step {step}: the loss became inf"),
        "first non-finite value: the loss itself".to_string(),
        "the largest parameter is b1".to_string(),
        "try a smaller learning rate".to_string(),
    ] {
        assert!(message.contains(&part), "{message:?} lacks {part:?}");
    }
}

/// Hand-set parameters that overflow in the second layer: x = 1, h1 = 1e200·x, o = 1e200·h1.
#[test]
fn an_overflow_is_placed_at_its_layer_and_unit() {
    let shapes = [
        LayerShape {
            units: 2,
            activation: Activation::Linear,
            bias: BiasKind::Shared,
        },
        LayerShape {
            units: 1,
            activation: Activation::Linear,
            bias: BiasKind::Shared,
        },
    ];
    let mut net = Network::<f64>::new(1, &shapes, Loss::HalfSse).unwrap();
    // Layout: w1 w2 (layer 1), b1, w3 w4 (layer 2), b2.
    net.params = vec![1e200, 1.0, 0.0, 1e200, 1.0, 0.0];
    let data = Dataset::<f64>::from_f64(&[1.0], &[0.0], 1, 1).unwrap();
    let mut trainer = Trainer::new(
        &net,
        &TrainerConfig::in_order(OptimizerConfig::sgd(0.1), 1),
        1,
    );
    let message = trainer.epoch(&mut net, &data).unwrap_err().to_string();
    assert!(
        message.contains("epoch 1, step 1")
            && message.contains("the pre-activation z_o of sample 1 of the batch (layer 2) is inf"),
        "{message}"
    );

    // A NaN parameter is named as such.
    net.params = vec![0.5, f64::NAN, 0.0, 0.5, 0.5, 0.0];
    let message = trainer.epoch(&mut net, &data).unwrap_err().to_string();
    assert!(
        message.contains("parameter w2 (layer 1) is NaN"),
        "{message}"
    );
}

#[test]
fn a_model_with_a_nan_is_never_written_over_a_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let spec = Spec::worked_example();
    let good = ModelFile::new(spec.network::<f64>().unwrap());
    model_file::save(&path, &good).unwrap();
    let mut bad = good.clone();
    bad.network.params[3] = f64::NAN;
    let error = model_file::save(&path, &bad).unwrap_err().to_string();
    assert!(
        error.contains("not written") && error.contains("NaN"),
        "{error}"
    );
    let backprop::AnyModel::F64(loaded) = model_file::load(&path).unwrap() else {
        panic!("an f64 model")
    };
    assert_eq!(loaded.network, good.network);
    // Nothing else was left in the folder (no temporary file).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// The command line: a run that diverges at step 16 (see above) with a checkpoint after every
/// epoch stops with status 2 and the message, and leaves the checkpoint of epoch 15 whole.
#[test]
fn a_diverging_run_keeps_its_last_good_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spec.toml"),
        "inputs = 1\nloss = \"mse\"\n[optimizer]\nlearning_rate = 1e10\n\
         [[layers]]\nunits = 1\nactivation = \"linear\"\nweights = [[1.0]]\nbias = 0.0\n\
         [training]\nepochs = 100\n[data]\ninputs = [[1.0]]\ntargets = [[0.0]]\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backprop"))
        .args(["train", "spec.toml", "--quiet", "--checkpoint-every", "1"])
        .args(["--save", "model.safetensors"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("at epoch 16, step 16: the loss became inf"),
        "{stderr}"
    );
    let backprop::AnyModel::F64(m) = model_file::load(&dir.path().join("model.safetensors"))
        .unwrap_or_else(|e| panic!("the last checkpoint is broken: {e}"))
    else {
        panic!("an f64 model")
    };
    // Epoch 15's parameters: s₁₅ = w + b = (1 − 4η)^15 and w − b = 1 (see above).
    let s = (1.0 - 4.0 * 1e10f64).powi(15);
    let (w, b) = (m.network.params[0], m.network.params[1]);
    assert!(
        ((w + b) / s - 1.0).abs() < 1e-9,
        "w + b = {}, s₁₅ = {s}",
        w + b
    );
}

/// Library misuse that input could reach: data of another size than the trainer was made for is
/// an error, not a panic.
#[test]
fn a_trainer_refuses_data_of_another_shape() {
    let spec = Spec::worked_example();
    let mut net = spec.network::<f64>().unwrap();
    let mut trainer = Trainer::new(
        &net,
        &TrainerConfig::in_order(spec.optimizer_config(), 2),
        2,
    );
    let three = Dataset::<f64>::from_f64(&[0.1; 6], &[0.5; 3], 2, 1).unwrap();
    assert!(matches!(
        trainer.epoch(&mut net, &three),
        Err(Error::Config(_))
    ));
    let wide = Dataset::<f64>::from_f64(&[0.1; 6], &[0.5; 2], 3, 1).unwrap();
    assert!(matches!(
        trainer.epoch(&mut net, &wide),
        Err(Error::Config(_))
    ));
}
