//! Files and memory, below everything that reads or writes: the one atomic writer
//! ([`atomic`]) and the size limits checked before allocating ([`limits`]); and the files other
//! programs read: ONNX models ([`onnx`]) and TensorBoard event files ([`tensorboard`]).

pub mod atomic;
pub mod limits;
pub mod onnx;
mod onnx_proto;
pub mod tensorboard;
mod tensorboard_proto;
