//! Files other programs read: ONNX models and TensorBoard event files.

pub mod onnx;
mod onnx_proto;
pub mod tensorboard;
mod tensorboard_proto;
