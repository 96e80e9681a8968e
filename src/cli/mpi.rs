//! The ranks of an MPI job (`mpirun -np N backprop train …`), built with the `mpi` feature:
//! MPI's world communicator as the library's [`Collective`], the step's exchange an
//! all-gather (`MPI_Allgatherv`) of bytes ([`Spread::Shards`]) or a sum (`MPI_Allreduce`, in
//! place) of f32 or f64 values ([`Spread::Slices`]).
//!
//! MPI is started with `MPI_THREAD_SERIALIZED`: a large network's epochs run on a thread of
//! rayon's pool, so the calls come from a thread other than the one that started MPI, one call
//! at a time (a lock keeps them so).

use super::interrupt;
use backprop::{Collective, Dtype, Error, Float, Result, Spread};
use mpi::collective::SystemOperation;
use mpi::datatype::PartitionMut;
use mpi::environment::{Threading, Universe};
use mpi::raw::AsRaw;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi::Count;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// MPI started, and this process's place in the job.
pub struct World {
    /// Kept for its lifetime: dropping it ends MPI (`MPI_Finalize`).
    _universe: Universe,
    world: SimpleCommunicator,
    rank: usize,
    size: usize,
    /// Serialises the calls (`MPI_THREAD_SERIALIZED`).
    lock: Mutex<()>,
    /// Whether any rank asked to stop, as the last step's exchange agreed.
    stop: AtomicBool,
    /// How the ranks share a step.
    spread: Spread,
    /// Where the sums of an all-reduce arrive, when the library is not Open MPI (whose
    /// `MPI_IN_PLACE` this build knows): grown once to the step's size.
    sums: Mutex<Vec<u8>>,
    /// Whether the library is Open MPI.
    open_mpi: bool,
}

// SAFETY: MPI runs at `MPI_THREAD_SERIALIZED` (checked in `World::start`), which allows calls
// from any thread as long as no two run at once; every call below holds `lock`.
unsafe impl Send for World {}
// SAFETY: as for `Send`: shared references only make calls under `lock`.
unsafe impl Sync for World {}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MPI rank {} of {}", self.rank, self.size)
    }
}

impl World {
    /// Starts MPI; the ranks will share steps as `spread` says.
    pub fn start(spread: Spread) -> Result<World> {
        let Some((universe, threading)) = mpi::initialize_with_threading(Threading::Serialized)
        else {
            return Err(Error::Config("MPI was already started".into()));
        };
        if threading < Threading::Serialized {
            return Err(Error::Config(format!(
                "the MPI library offers thread level {threading:?}, expected at least Serialized (calls from the training thread)"
            )));
        }
        let world = universe.world();
        let (rank, size) = (world.rank() as usize, world.size() as usize);
        Ok(World {
            _universe: universe,
            world,
            rank,
            size,
            lock: Mutex::new(()),
            stop: AtomicBool::new(false),
            spread,
            sums: Mutex::new(Vec::new()),
            open_mpi: mpi::environment::library_version().is_ok_and(|v| v.starts_with("Open MPI")),
        })
    }

    pub fn rank(&self) -> usize {
        self.rank
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether the ranks agreed to stop after the last step.
    pub fn stop_agreed(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Every rank's `mine` (`counts[r]` bytes from rank r) to every rank, in rank order, into
    /// `all` (Σ counts bytes).
    pub fn gather_bytes(&self, mine: &[u8], counts: &[usize], all: &mut [u8]) {
        let total: usize = counts.iter().sum();
        assert_eq!(all.len(), total, "the gathered bytes do not fit");
        let count = |n: usize| {
            Count::try_from(n).unwrap_or_else(|_| {
                panic!("an exchange of {total} bytes is more than MPI's counts can hold")
            })
        };
        count(total);
        let sizes: Vec<Count> = counts.iter().map(|&n| count(n)).collect();
        let displs: Vec<Count> = sizes
            .iter()
            .scan(0, |at, &n| {
                let d = *at;
                *at += n;
                Some(d)
            })
            .collect();
        if total == 0 {
            return; // (every rank knows the counts, so every rank returns here)
        }
        // An empty slice's pointer is dangling, 0x1, which OpenMPI reads as MPI_IN_PLACE: an
        // empty send points into a real array instead.
        let pad = [0u8; 1];
        let mine = if mine.is_empty() { &pad[..0] } else { mine };
        let _serial = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut partition = PartitionMut::new(all, sizes, displs);
        self.world.all_gather_varcount_into(mine, &mut partition);
    }

    /// Each rank's `value` to every rank.
    pub fn gather_u64(&self, value: u64) -> Vec<u64> {
        let mut bytes = vec![0u8; 8 * self.size];
        self.gather_bytes(&value.to_le_bytes(), &vec![8; self.size], &mut bytes);
        bytes
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect()
    }

    /// Ends the whole job now with exit status `code` (`MPI_Abort`): the other ranks may be
    /// waiting in an exchange that this one will never join.
    pub fn abort(&self, code: i32) -> ! {
        self.world.abort(code)
    }
}

impl Drop for World {
    /// Every rank waits for the others before MPI ends: a rank that stopped must not exit
    /// (and have the launcher end the job) while rank 0 still writes the checkpoint.
    fn drop(&mut self) {
        let _serial = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.world.barrier();
    }
}

impl<F: Float> Collective<F> for World {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn all_gather(&self, mine: &[F], counts: &[usize], all: &mut [F]) {
        let width = std::mem::size_of::<F>();
        let bytes: Vec<usize> = counts.iter().map(|&n| n * width).collect();
        self.gather_bytes(as_bytes(mine), &bytes, as_bytes_mut(all));
    }

    fn spread(&self) -> Spread {
        self.spread
    }

    fn all_reduce_sum(&self, values: &mut [F]) {
        let count = Count::try_from(values.len()).unwrap_or_else(|_| {
            panic!(
                "an all-reduce of {} values is more than MPI's counts can hold",
                values.len()
            )
        });
        let datatype = match F::DTYPE {
            Dtype::F32 => f32::equivalent_datatype().as_raw(),
            Dtype::F64 => f64::equivalent_datatype().as_raw(),
        };
        let sum = SystemOperation::sum().as_raw();
        let _serial = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut sums = self.sums.lock().unwrap_or_else(|e| e.into_inner());
        let out: *mut F = values.as_mut_ptr();
        // SAFETY: `values` holds `count` values of `datatype` (f32 or f64, as F is); in place,
        // the send buffer is Open MPI's MPI_IN_PLACE ((void *) 1, its mpi.h); otherwise the sums
        // arrive in `sums`, as large, and are copied back. Calls are serialised by `lock`.
        unsafe {
            if self.open_mpi {
                mpi::ffi::MPI_Allreduce(
                    std::ptr::without_provenance::<std::ffi::c_void>(OPEN_MPI_IN_PLACE),
                    out.cast(),
                    count,
                    datatype,
                    sum,
                    self.world.as_raw(),
                );
            } else {
                let bytes = std::mem::size_of_val(values);
                sums.resize(bytes, 0);
                mpi::ffi::MPI_Allreduce(
                    out.cast_const().cast(),
                    sums.as_mut_ptr().cast(),
                    count,
                    datatype,
                    sum,
                    self.world.as_raw(),
                );
                std::ptr::copy_nonoverlapping(sums.as_ptr(), out.cast::<u8>(), bytes);
            }
        }
    }

    fn diverged(&self, rank: usize) -> ! {
        // Every rank finds it at the same step: rank 0 says it, and the job ends.
        if self.rank == 0 {
            eprintln!(
                "error: rank {rank} of {} started a step from other parameters than rank 0: MPI's all-reduce gave the ranks different sums (run without --all-reduce)",
                self.size
            );
        } else {
            std::thread::sleep(std::time::Duration::from_secs(2));
        }
        self.world.abort(2)
    }

    fn wants_stop(&self) -> bool {
        interrupt::requested()
    }

    fn agree_stop(&self, any: bool) {
        self.stop.store(any, Ordering::SeqCst);
    }
}

/// Open MPI's `MPI_IN_PLACE`, `((void *) 1)` in its mpi.h (the bindings do not export it).
const OPEN_MPI_IN_PLACE: usize = 1;

/// The bytes of a slice of floats (f32 or f64: plain values, no padding).
fn as_bytes<F: Float>(values: &[F]) -> &[u8] {
    // SAFETY: `Float` is implemented for f32 and f64 only, whose bytes are all value; the
    // length is the slice's size in bytes, and u8 has no alignment to keep.
    unsafe { std::slice::from_raw_parts(values.as_ptr().cast(), std::mem::size_of_val(values)) }
}

/// [`as_bytes`], to be written: every bit pattern of an f32 or f64 is a float.
fn as_bytes_mut<F: Float>(values: &mut [F]) -> &mut [u8] {
    let n = std::mem::size_of_val(values);
    // SAFETY: as for `as_bytes`; any bytes written make valid f32 or f64 values.
    unsafe { std::slice::from_raw_parts_mut(values.as_mut_ptr().cast(), n) }
}
