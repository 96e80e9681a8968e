//! Steps spread over a group (`backprop::engine::collective`), here a group of threads that
//! stand for processes: a run on 1, 2 or 3 ranks ends with the parameters of the one-process
//! run bit for bit (shuffling, partial batches, Adam, a schedule, dropout, validation), on
//! every rank, for a batch that splits into two shards and for one that does not; a stop asked
//! for on one rank stops every rank after the same step.

use backprop::{
    Collective, EpochReport, Error, Float, Network, Observer, Result, Spec, StepProgress, Trainer,
};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};

/// Where the ranks of a group meet: each puts its values in its slot, all wait, all read.
#[derive(Debug)]
struct Hub<F> {
    slots: Mutex<Vec<Vec<F>>>,
    barrier: Barrier,
}

/// One rank of a group of threads.
#[derive(Debug)]
struct Member<F> {
    rank: usize,
    size: usize,
    hub: Arc<Hub<F>>,
    /// This rank asks to stop from this exchange (counted from 0) on.
    stop_from: Option<usize>,
    exchanges: Mutex<usize>,
    agreed: AtomicBool,
}

impl<F: Float> Collective<F> for Member<F> {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.size
    }
    fn all_gather(&self, mine: &[F], counts: &[usize], all: &mut [F]) {
        assert_eq!(mine.len(), counts[self.rank], "rank {}'s count", self.rank);
        self.hub.slots.lock().unwrap()[self.rank] = mine.to_vec();
        self.hub.barrier.wait();
        {
            let slots = self.hub.slots.lock().unwrap();
            let mut at = 0;
            for (slot, &n) in slots.iter().zip(counts) {
                assert_eq!(slot.len(), n);
                all[at..at + n].copy_from_slice(slot);
                at += n;
            }
            assert_eq!(at, all.len());
        }
        // Nobody writes the next exchange's values before everybody has read these.
        self.hub.barrier.wait();
        *self.exchanges.lock().unwrap() += 1;
    }
    fn wants_stop(&self) -> bool {
        self.stop_from
            .is_some_and(|s| *self.exchanges.lock().unwrap() >= s)
    }
    fn agree_stop(&self, any: bool) {
        self.agreed.store(any, Ordering::SeqCst);
    }
}

/// Stops the run when the group agreed to.
struct Stop<F>(Option<Arc<Member<F>>>);

impl<F: Float> Observer<F> for Stop<F> {
    fn timing(&self) -> bool {
        false
    }
    fn step(&mut self, _: StepProgress) -> ControlFlow<()> {
        match &self.0 {
            Some(m) if m.agreed.load(Ordering::SeqCst) => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        }
    }
    fn epoch(
        &mut self,
        _: &EpochReport,
        _: &Network<F>,
        _: &Trainer<F>,
    ) -> Result<ControlFlow<()>> {
        Ok(ControlFlow::Continue(()))
    }
}

/// What a rank ends with: its parameters, the validation losses of its epochs, its steps,
/// and whether the run was stopped.
#[derive(Debug, PartialEq)]
struct End<F> {
    params: Vec<F>,
    validation: Vec<f64>,
    steps: u64,
    interrupted: bool,
}

/// Trains the spec on one rank (`member` `None`: alone).
fn train<F: Float>(spec: &Spec, member: Option<Arc<Member<F>>>) -> End<F> {
    let p = spec.prepare::<F>(Path::new("")).unwrap();
    let mut net = spec.network::<F>().unwrap();
    let mut trainer = Trainer::new(&net, &spec.trainer_config(), p.train.len());
    trainer.set_dropout(&net, &spec.dropout_rates());
    trainer.group = member.clone().map(|m| m as Arc<dyn Collective<F>>);
    let result = trainer.fit(
        &mut net,
        &p.train,
        p.validation.as_ref(),
        &p.info,
        &spec.plan(),
        &mut Stop(member),
    );
    let interrupted = match result {
        Ok(_) => false,
        Err(Error::Interrupted { .. }) => true,
        Err(e) => panic!("{e}"),
    };
    End {
        params: net.params,
        validation: trainer.history.iter().filter_map(|r| r.val_loss).collect(),
        steps: trainer.steps_done(),
        interrupted,
    }
}

/// Trains the spec on `ranks` threads, each with a rayon pool of its own (a rank of a job is
/// a process with its own threads); rank `stopper` asks to stop from exchange `stop_from`.
fn train_on<F: Float>(spec: &Spec, ranks: usize, stop: Option<(usize, usize)>) -> Vec<End<F>> {
    let hub = Arc::new(Hub {
        slots: Mutex::new(vec![Vec::new(); ranks]),
        barrier: Barrier::new(ranks),
    });
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..ranks)
            .map(|rank| {
                let member = Arc::new(Member {
                    rank,
                    size: ranks,
                    hub: hub.clone(),
                    stop_from: stop.filter(|&(r, _)| r == rank).map(|(_, e)| e),
                    exchanges: Mutex::new(0),
                    agreed: AtomicBool::new(false),
                });
                s.spawn(move || {
                    let pool = rayon::ThreadPoolBuilder::new()
                        .num_threads(1)
                        .build()
                        .unwrap();
                    pool.install(|| train(spec, Some(member)))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// A digits classifier (1,797 8×8 images, a fifth held out for validation): 64-`hidden`-10
/// with dropout, Adam, a cosine schedule after a warm-up epoch, batches of `batch` (the last
/// of each epoch partial).
fn digits(hidden: usize, batch: usize, dtype: &str) -> Spec {
    let text = format!(
        r#"
inputs = 64
loss = "cross_entropy"
dtype = "{dtype}"
[optimizer]
kind = "adam"
learning_rate = 0.003
[[layers]]
units = {hidden}
activation = "relu"
dropout = 0.2
[[layers]]
units = 10
activation = "softmax"
[training]
batch_size = {batch}
epochs = 3
warmup = 1
schedule = "cosine"
seed = 4
[data]
path = "builtin:digits"
target = "label"
validation = 0.2
"#
    );
    Spec::parse(&text, "spec.toml").unwrap()
}

fn same_on_every_rank<F: Float>(spec: &Spec, shards: usize) {
    let p = spec.prepare::<F>(Path::new("")).unwrap();
    let net = spec.network::<F>().unwrap();
    let batch = spec.training.batch_size.unwrap();
    assert!(
        !p.train.len().is_multiple_of(batch),
        "a partial batch per epoch"
    );
    assert_eq!(
        backprop::kernels::shards::count(net.params.len(), batch),
        shards
    );
    let alone = train::<F>(spec, None);
    assert_eq!(alone.validation.len(), 3);
    for ranks in 1..=3 {
        for (rank, end) in train_on::<F>(spec, ranks, None).into_iter().enumerate() {
            assert!(
                end == alone,
                "rank {rank} of {ranks} differs from the one-process run"
            );
        }
    }
}

#[test]
fn two_shards_on_one_to_three_ranks_give_the_one_process_run_bit_for_bit() {
    same_on_every_rank::<f64>(&digits(512, 128, "f64"), 2);
    same_on_every_rank::<f32>(&digits(512, 128, "f32"), 2);
}

#[test]
fn one_shard_on_one_to_three_ranks_gives_the_one_process_run_bit_for_bit() {
    same_on_every_rank::<f64>(&digits(16, 32, "f64"), 1);
}

#[test]
fn a_stop_on_one_rank_stops_every_rank_after_the_same_step() {
    let spec = digits(512, 128, "f64");
    // Rank 2 asks from its 5th exchange (step 5): every rank stops after step 5.
    let ends = train_on::<f64>(&spec, 3, Some((2, 4)));
    for (rank, end) in ends.iter().enumerate() {
        assert!(end.interrupted, "rank {rank} stopped");
        assert_eq!(end.steps, 5, "rank {rank}'s steps");
        assert!(end.params == ends[0].params, "rank {rank}'s parameters");
    }
    let alone = train::<f64>(&spec, None);
    assert!(!alone.interrupted && alone.steps > 5);
}
