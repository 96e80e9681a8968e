//! The model-file loader: any bytes load or are refused; a model that loads is finite and runs.
#![no_main]

use backprop::{model_file, AnyModel, Float, ModelFile, Workspace};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    backprop::io::limits::set_memory_limit(Some(64 << 20));
    match model_file::from_bytes(data) {
        Ok(AnyModel::F32(m)) => run(&m),
        Ok(AnyModel::F64(m)) => run(&m),
        Err(_) => {}
    }
});

fn run<F: Float>(m: &ModelFile<F>) {
    let net = &m.network;
    assert!(net.params.iter().all(|p| p.is_finite()));
    let x = vec![F::from_f64(0.5); net.inputs];
    let mut ws = Workspace::new(net, 1);
    assert_eq!(net.forward(&x, 1, &mut ws).len(), net.outputs());
}
