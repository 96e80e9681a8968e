//! The files other programs read: a trained network as an ONNX model ([`onnx`], for
//! onnxruntime and other runtimes) and training curves as TensorBoard event files
//! ([`tensorboard`]). Above the engine and the data layer, beside the model file.

pub mod onnx;
mod onnx_proto;
pub mod tensorboard;
mod tensorboard_proto;
