//! Files and memory, below everything that reads or writes: the one atomic writer
//! ([`atomic`]), the size limits checked before allocating ([`limits`]), bounded reads of
//! regular files ([`read`]) and the policy every output follows ([`output`]).

pub mod atomic;
pub mod limits;
pub mod output;
pub mod read;
