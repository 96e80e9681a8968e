//! The processes one `train` runs on: this one alone, or, built with the `mpi` feature and
//! started by an MPI launcher (`mpirun -np N backprop train …`), the N ranks of the job, which
//! train data-parallel ([`backprop::engine::collective`]): every rank reads the spec and the
//! data, takes the same steps and holds the same parameters; rank 0 alone prints and writes
//! files.
//!
//! Agreement, so that no rank waits for one that will never come:
//! - at the start ([`Group::agree`]), every rank says whether it is ready and gives a
//!   fingerprint of its spec, flags, data and resumed state; a rank that failed or differs
//!   ends the run on every rank, rank 0 saying why;
//! - a stop (Ctrl-C, SIGTERM on any rank) travels with each step's gradients, so every rank
//!   stops after the same step ([`Group::stop_requested`]);
//! - an error after the start on one rank (a file rank 0 cannot write) ends the whole job
//!   ([`Group::end`]); a rank killed outright ends it too (the launcher's doing).

use super::interrupt;
use backprop::{Collective, Float, Result, Spread};
use std::process::ExitCode;
use std::sync::Arc;

/// This process alone, or the ranks of an MPI job.
pub enum Group {
    Alone,
    #[cfg(feature = "mpi")]
    Mpi(Arc<super::mpi::World>),
}

impl Group {
    /// The ranks of the MPI job that started this process, or this process alone; the ranks
    /// share each step as `spread` says.
    pub fn join(spread: Spread) -> Result<Group> {
        #[cfg(feature = "mpi")]
        if launched().is_some() {
            let world = super::mpi::World::start(spread)?;
            if world.rank() != 0 {
                silence_stdout();
            }
            return Ok(Group::Mpi(Arc::new(world)));
        }
        #[cfg(not(feature = "mpi"))]
        let _ = spread;
        #[cfg(not(feature = "mpi"))]
        if let Some(ranks) = launched().filter(|&n| n > 1) {
            return Err(backprop::Error::Config(format!(
                "started as one of {ranks} MPI ranks, but this backprop was built without MPI, and each rank would train alone; build it with `cargo build --release --features mpi`"
            )));
        }
        Ok(Group::Alone)
    }

    /// This process's rank (0 alone).
    pub fn rank(&self) -> usize {
        match self {
            Group::Alone => 0,
            #[cfg(feature = "mpi")]
            Group::Mpi(w) => w.rank(),
        }
    }

    /// Whether this process prints and writes the run's files (rank 0).
    pub fn is_root(&self) -> bool {
        self.rank() == 0
    }

    /// The group as the trainer's steps see it (`None` alone).
    pub fn collective<F: Float>(&self) -> Option<Arc<dyn Collective<F>>> {
        match self {
            Group::Alone => None,
            #[cfg(feature = "mpi")]
            Group::Mpi(w) => Some(w.clone() as Arc<dyn Collective<F>>),
        }
    }

    /// Whether the run should stop after the step just taken: Ctrl-C here, or, on MPI, on any
    /// rank as the step's exchange agreed.
    pub fn stop_requested(&self) -> bool {
        match self {
            Group::Alone => interrupt::requested(),
            #[cfg(feature = "mpi")]
            Group::Mpi(w) => w.stop_agreed(),
        }
    }

    /// Every rank's readiness, agreed: `Ok(Some(value))` when every rank is ready with the same
    /// `fingerprint` of what it read; otherwise the run ends on every rank with `Ok(None)`
    /// (exit status 2), rank 0 having printed the error that says why (its own, or another
    /// rank's).
    pub fn agree<T>(
        &self,
        ready: Result<T>,
        fingerprint: impl FnOnce(&T) -> u64,
    ) -> Result<Option<T>> {
        match self {
            Group::Alone => {
                drop(fingerprint);
                ready.map(Some)
            }
            #[cfg(feature = "mpi")]
            Group::Mpi(w) => {
                // Every rank must share steps alike, too.
                let spread = Collective::<f32>::spread(&**w) as u64;
                let mine = match &ready {
                    Ok(v) => Ok(fingerprint(v) ^ spread),
                    Err(e) => Err(super::message::tidy(&e.to_string())),
                };
                match (agree_across(w, mine), ready) {
                    (Ok(()), ready) => ready.map(Some),
                    (Err(why), ready) => {
                        // Rank 0 says why here, before the barrier at the end of MPI that
                        // lets the other ranks exit: the launcher ends the job as soon as one
                        // rank exits with an error, maybe before rank 0 has spoken.
                        if w.rank() == 0 {
                            let text = match ready {
                                Err(e) => super::message::tidy(&e.to_string()),
                                Ok(_) => why,
                            };
                            eprintln!("error: {text}");
                            use std::io::Write;
                            let _ = std::io::stderr().flush();
                        }
                        Ok(None)
                    }
                }
            }
        }
    }

    /// The end of a run that started on every rank: its exit status, or, for an error on
    /// MPI, the whole job ended now (another rank may be waiting for this one in a step),
    /// rank 0 saying why first.
    pub fn end(&self, result: Result<ExitCode>) -> Result<ExitCode> {
        match (self, result) {
            #[cfg(feature = "mpi")]
            (Group::Mpi(w), Err(e)) => {
                let text = super::message::tidy(&e.to_string());
                if w.rank() == 0 {
                    eprintln!("error: {text}");
                } else {
                    // Rank 0 meets the same error at the same step and says so; this rank
                    // speaks only if it is alone in it.
                    std::thread::sleep(std::time::Duration::from_secs(2));
                    eprintln!("error (rank {}): {text}", w.rank());
                }
                w.abort(2)
            }
            (_, result) => result,
        }
    }
}

/// The ranks of the MPI job that started this process, when an MPI launcher did (OpenMPI's
/// `mpirun` sets `OMPI_COMM_WORLD_SIZE`; MPICH's and Slurm's, `PMI_SIZE`; a PMIx launcher,
/// `PMIX_RANK`, the size unknown: 0).
fn launched() -> Option<usize> {
    let size = |v: &str| std::env::var(v).ok().and_then(|n| n.parse().ok());
    size("OMPI_COMM_WORLD_SIZE")
        .or_else(|| size("PMI_SIZE"))
        .or_else(|| std::env::var_os("PMIX_RANK").map(|_| 0))
}

/// Compares the ranks' readiness (`Ok(fingerprint)` or `Err(message)`): `Err` with what rank 0
/// says when a rank failed or read something else.
#[cfg(feature = "mpi")]
fn agree_across(
    w: &super::mpi::World,
    mine: std::result::Result<u64, String>,
) -> std::result::Result<(), String> {
    let message = mine.as_ref().err().map_or(&[][..], |m| m.as_bytes());
    let lengths = w.gather_u64(message.len() as u64);
    let lengths: Vec<usize> = lengths.iter().map(|&n| n as usize).collect();
    let mut messages = vec![0u8; lengths.iter().sum()];
    w.gather_bytes(message, &lengths, &mut messages);
    let prints = w.gather_u64(*mine.as_ref().unwrap_or(&0));
    let mut at = 0;
    for (r, &n) in lengths.iter().enumerate() {
        if n > 0 {
            let text = String::from_utf8_lossy(&messages[at..at + n]);
            return Err(format!("rank {r} of {}: {text}", w.size()));
        }
        at += n;
    }
    match prints.iter().position(|&p| p != prints[0]) {
        Some(r) => Err(format!(
            "rank {r} read another spec, flags, data or --resume model than rank 0 (fingerprint {:016x}, rank 0's {:016x}); every rank must read the same files",
            prints[r], prints[0]
        )),
        None => Ok(()),
    }
}

/// Sends this process's standard output nowhere (ranks other than 0 print nothing; their
/// standard error stays).
#[cfg(feature = "mpi")]
fn silence_stdout() {
    use std::os::fd::AsRawFd;
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        // SAFETY: dup2 onto standard output's descriptor; both descriptors are open.
        unsafe {
            libc::dup2(null.as_raw_fd(), libc::STDOUT_FILENO);
        }
    }
}

/// A 64-bit fingerprint (CRC-64) of texts and floats, each part's length counted in.
pub struct Fingerprint(crc::Digest<'static, u64>);

static CRC: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_ECMA_182);

impl Fingerprint {
    pub fn new() -> Self {
        Fingerprint(CRC.digest())
    }

    pub fn text(mut self, text: &str) -> Self {
        self.0.update(&(text.len() as u64).to_le_bytes());
        self.0.update(text.as_bytes());
        self
    }

    pub fn floats<F: Float>(mut self, values: &[F]) -> Self {
        self.0.update(&(values.len() as u64).to_le_bytes());
        let mut bytes = Vec::with_capacity(8 * 4096);
        for chunk in values.chunks(4096) {
            bytes.clear();
            bytes.extend(
                chunk
                    .iter()
                    .flat_map(|v| v.to_f64().to_bits().to_le_bytes()),
            );
            self.0.update(&bytes);
        }
        self
    }

    pub fn finish(self) -> u64 {
        self.0.finalize()
    }
}
