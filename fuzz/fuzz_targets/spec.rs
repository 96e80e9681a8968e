//! The spec parser: any bytes parse or are refused; a spec that parses builds, trains one epoch
//! (or stops on a NaN), and survives a model-file round trip.
#![no_main]

use backprop::{TrainerConfig, model_file, AnyModel, Dataset, Dtype, Error, Float, ModelFile, Spec, Trainer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    backprop::io::limits::set_memory_limit(Some(64 << 20));
    let Ok(spec) = Spec::parse(&String::from_utf8_lossy(data), "fuzz.toml") else {
        return;
    };
    match spec.dtype {
        Dtype::F32 => exercise::<f32>(&spec),
        Dtype::F64 => exercise::<f64>(&spec),
    }
});

fn exercise<F: Float>(spec: &Spec) {
    let mut net = spec.network::<F>().expect("a valid spec builds");
    let Ok(Some((x, t, n))) = spec.inline_data() else {
        return;
    };
    let data = Dataset::<F>::from_f64(&x, &t, net.inputs, net.outputs()).expect("data loads");
    let mut trainer = Trainer::new(&net, &spec.trainer_config(), n);
    match trainer.epoch(&mut net, &data) {
        Ok(_) | Err(Error::NonFinite(_)) => {}
        Err(e) => panic!("training a valid spec failed: {e}"),
    }
    if net.params.iter().all(|p| p.is_finite()) {
        let bytes = model_file::to_bytes_model(&ModelFile::new(net.clone())).unwrap();
        let back = match model_file::from_bytes(&bytes).unwrap() {
            AnyModel::F32(m) => m.network.cast::<F>(),
            AnyModel::F64(m) => m.network.cast::<F>(),
        };
        assert_eq!(back, net);
    }
}
