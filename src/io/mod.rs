//! Files and memory, below everything that reads or writes: the one atomic writer
//! ([`atomic`]) and the size limits checked before allocating ([`limits`]).

pub mod atomic;
pub mod limits;
