//! Files in and out: bounded reads of regular files ([`read`]) and the policy every output
//! follows ([`output`]).

pub mod output;
pub mod read;
