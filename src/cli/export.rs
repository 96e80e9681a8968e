//! `backprop export MODEL.safetensors -o MODEL.onnx`: a saved model as ONNX, for onnxruntime
//! and other runtimes (the graph is described in the library's `interop::onnx`).

use backprop::io::atomic::write_atomically;
use backprop::{model_file, AnyModel, Float, ModelFile, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// A model file written by `backprop train --save`.
    model: PathBuf,
    /// The ONNX file to write (written atomically).
    #[arg(short, long, value_name = "MODEL.onnx")]
    output: PathBuf,
}

pub fn run(args: Args) -> Result<ExitCode> {
    super::check_outputs(
        &[("-o", &args.output)],
        &[("the model", args.model.as_path())],
    )?;
    let bytes = match model_file::load(&args.model)? {
        AnyModel::F32(m) => onnx_bytes(&m, &args.model)?,
        AnyModel::F64(m) => onnx_bytes(&m, &args.model)?,
    };
    write_atomically(&args.output, &bytes)?;
    println!("exported {}", args.output.display());
    Ok(ExitCode::SUCCESS)
}

/// The ONNX bytes of a loaded model file (`path` names it in errors).
pub fn onnx_bytes<F: Float>(model: &ModelFile<F>, path: &Path) -> Result<Vec<u8>> {
    let info = model.data_info().map_err(|e| e.in_file(path.display()))?;
    Ok(backprop::interop::onnx::to_onnx(&model.network, &info))
}
