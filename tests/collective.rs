//! Steps spread over a group (`backprop::engine::collective`), here a group of threads that
//! stand for processes. Sharing the engine's shards (the default), a run on 1, 2 or 3 ranks
//! ends with the parameters of the one-process run bit for bit (shuffling, partial batches,
//! Adam, a schedule, dropout, validation), on every rank, for a batch that splits into two
//! shards and for one that does not. In slices summed by an all-reduce, every rank ends with
//! the same parameters, within 1e-12 (f64) or 1e-6 (f32) of the one-process run's relative to
//! the largest, for 2 and 3 ranks (1 rank: bit for bit), batches smaller than the ranks
//! included. A stop asked for on one rank stops every rank after the same step; a rank whose
//! all-reduce gave another sum ends the run on every rank.

use backprop::kernels::ShardedWorkspace;
use backprop::{
    Collective, EpochReport, Error, Float, Network, Observer, Result, Spec, Spread, StepProgress,
    Trainer,
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
    spread: Spread,
    /// At this exchange, this rank's first sum comes out 1e-9 off.
    skew_at: Option<usize>,
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
    fn spread(&self) -> Spread {
        self.spread
    }
    fn all_reduce_sum(&self, values: &mut [F]) {
        self.hub.slots.lock().unwrap()[self.rank] = values.to_vec();
        self.hub.barrier.wait();
        {
            // Every rank adds the ranks' values in rank order: the same sums on every rank.
            let slots = self.hub.slots.lock().unwrap();
            for (i, v) in values.iter_mut().enumerate() {
                *v = slots[0][i];
                for slot in &slots[1..] {
                    assert_eq!(slot.len(), slots[0].len(), "the same length on every rank");
                    *v += slot[i];
                }
            }
        }
        self.hub.barrier.wait();
        let mut exchanges = self.exchanges.lock().unwrap();
        if self.skew_at == Some(*exchanges) {
            values[0] += F::from_f64(1e-9);
        }
        *exchanges += 1;
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

/// Trains the spec on `ranks` threads sharing the engine's shards.
fn train_on<F: Float>(spec: &Spec, ranks: usize, stop: Option<(usize, usize)>) -> Vec<End<F>> {
    train_spread(spec, ranks, Spread::Shards, stop, None)
        .into_iter()
        .map(|end| end.unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// Trains the spec on `ranks` threads, each with a rayon pool of its own (a rank of a job is
/// a process with its own threads), sharing steps as `spread` says; `stop`: (rank, exchange)
/// from which that rank asks to stop; `skew`: (rank, exchange) at which that rank's all-reduce
/// is off. A rank that panicked gives its message.
fn train_spread<F: Float>(
    spec: &Spec,
    ranks: usize,
    spread: Spread,
    stop: Option<(usize, usize)>,
    skew: Option<(usize, usize)>,
) -> Vec<std::result::Result<End<F>, String>> {
    on_ranks(ranks, spread, stop, skew, |member| {
        train(spec, Some(member))
    })
}

/// Runs `work` on `ranks` threads, each a member of one group with a rayon pool of its own.
fn on_ranks<F: Float, T: Send>(
    ranks: usize,
    spread: Spread,
    stop: Option<(usize, usize)>,
    skew: Option<(usize, usize)>,
    work: impl Fn(Arc<Member<F>>) -> T + Sync,
) -> Vec<std::result::Result<T, String>> {
    let hub = Arc::new(Hub {
        slots: Mutex::new(vec![Vec::new(); ranks]),
        barrier: Barrier::new(ranks),
    });
    let work = &work;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..ranks)
            .map(|rank| {
                let member = Arc::new(Member {
                    rank,
                    size: ranks,
                    hub: hub.clone(),
                    stop_from: stop.filter(|&(r, _)| r == rank).map(|(_, e)| e),
                    spread,
                    skew_at: skew.filter(|&(r, _)| r == rank).map(|(_, e)| e),
                    exchanges: Mutex::new(0),
                    agreed: AtomicBool::new(false),
                });
                s.spawn(move || {
                    let pool = rayon::ThreadPoolBuilder::new()
                        .num_threads(1)
                        .build()
                        .unwrap();
                    pool.install(|| work(member))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().map_err(|e| {
                    e.downcast_ref::<String>()
                        .cloned()
                        .unwrap_or_else(|| "a panic".into())
                })
            })
            .collect()
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

/// The largest |a − b| over the parameters, relative to the largest |b|.
fn relative_difference<F: Float>(a: &[F], b: &[F]) -> f64 {
    assert_eq!(a.len(), b.len());
    let largest = b.iter().map(|v| v.to_f64().abs()).fold(0.0, f64::max);
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x.to_f64() - y.to_f64()).abs())
        .fold(0.0, f64::max);
    worst / largest
}

/// In slices: 1 rank gives the one-process run bit for bit (its slice is the batch); 2 and 3
/// ranks end with the same parameters on every rank, within `tolerance` of the one-process
/// run's (relative to the largest), and so are the validation losses; the steps are the same.
fn slices_within<F: Float>(spec: &Spec, tolerance: f64) {
    let mut spec = spec.clone();
    spec.training.epochs = 1;
    let spec = &spec;
    let alone = train::<F>(spec, None);
    let one = train_spread::<F>(spec, 1, Spread::Slices, None, None);
    assert!(*one[0].as_ref().unwrap() == alone, "1 rank in slices");
    for ranks in 2..=3 {
        let ends: Vec<End<F>> = train_spread(spec, ranks, Spread::Slices, None, None)
            .into_iter()
            .map(|e| e.unwrap())
            .collect();
        for (rank, end) in ends.iter().enumerate() {
            assert!(
                end.params == ends[0].params,
                "rank {rank} of {ranks}: rank 0's"
            );
            assert_eq!(end.steps, alone.steps);
            let d = relative_difference(&end.params, &alone.params);
            assert!(
                d <= tolerance,
                "{ranks} ranks: {d:e} from the one-process run"
            );
            for (v, w) in end.validation.iter().zip(&alone.validation) {
                assert!(
                    (v - w).abs() <= tolerance * w.abs(),
                    "validation {v} against {w}"
                );
            }
            assert_eq!(end.validation.len(), alone.validation.len());
        }
    }
}

/// The spec with plain SGD at rate `lr` instead of Adam.
fn sgd(mut spec: Spec, lr: f64) -> Spec {
    spec.optimizer.kind = backprop::OptimizerKind::Sgd;
    spec.optimizer.learning_rate = lr;
    spec
}

#[test]
fn a_step_in_slices_on_two_and_three_ranks_is_within_rounding_of_the_one_process_step() {
    step_within::<f64>(&digits(512, 128, "f64"), 1e-12);
    step_within::<f32>(&digits(512, 128, "f32"), 1e-6);
    step_within::<f64>(&digits(16, 32, "f64"), 1e-12);
    step_within::<f32>(&digits(16, 32, "f32"), 1e-6);
}

/// One step on the first batch of the training data, and on a partial batch of 13 samples
/// after it: the loss and the gradient of 2 and 3 ranks in slices against one process's
/// (relative to the largest gradient value; the same on every rank).
fn step_within<F: Float>(spec: &Spec, tolerance: f64) {
    let p = spec.prepare::<F>(Path::new("")).unwrap();
    let net = spec.network::<F>().unwrap();
    let batch = spec.training.batch_size.unwrap();
    let (ni, no) = (net.inputs, net.outputs());
    for (start, b) in [(0, batch), (batch, 13)] {
        let (x, t) = (
            &p.train.x[start * ni..(start + b) * ni],
            &p.train.t[start * no..(start + b) * no],
        );
        let mut alone = ShardedWorkspace::new(&net, batch);
        let loss = alone.loss_and_gradients(&net, x, t, b);
        for ranks in 2..=3 {
            let got = on_ranks::<F, _>(ranks, Spread::Slices, None, None, |member| {
                let mut ws = ShardedWorkspace::new(&net, batch);
                let l = ws.loss_and_gradients_across(&net, x, t, b, None, &*member);
                (l, ws.gradients().to_vec())
            });
            let (l0, g0) = got[0].as_ref().unwrap();
            for end in &got {
                assert!(
                    end.as_ref().unwrap() == &(*l0, g0.clone()),
                    "every rank alike"
                );
            }
            let d = relative_difference(g0, alone.gradients());
            assert!(
                d <= tolerance,
                "{ranks} ranks, batch {b}: the gradient {d:e} off"
            );
            let dl = (l0.to_f64() - loss.to_f64()).abs() / loss.to_f64().abs();
            assert!(
                dl <= tolerance,
                "{ranks} ranks, batch {b}: the loss {dl:e} off"
            );
        }
    }
}

#[test]
fn slices_on_two_and_three_ranks_stay_within_rounding_of_the_one_process_run() {
    // 64-512-10: two shards a batch, each rank's slice in two halves; 64-16-10: one. Adam in
    // f64; in f32, SGD: Adam divides each gradient value by its own running size, so a value
    // near zero, whose digits rounding decides, moves its parameter up to the learning rate ×
    // rounding / ε apart (f32 Adam here: 4.7e-6 after 9 steps on 2 ranks, 7.5e-5 on 3).
    slices_within::<f64>(&digits(512, 128, "f64"), 1e-12);
    slices_within::<f32>(&sgd(digits(512, 128, "f32"), 0.1), 1e-6);
    slices_within::<f64>(&digits(16, 32, "f64"), 1e-12);
    slices_within::<f32>(&sgd(digits(16, 32, "f32"), 0.1), 1e-6);
}

#[test]
fn slices_of_batches_smaller_than_the_ranks_leave_a_rank_without_samples() {
    // Batches of 2 on 3 ranks: rank 2 computes nothing and still takes every step.
    slices_within::<f64>(&digits(16, 2, "f64"), 1e-12);
}

#[test]
fn a_stop_on_one_rank_stops_every_rank_after_the_same_step_in_slices() {
    let spec = digits(512, 128, "f32");
    let ends = train_spread::<f32>(&spec, 2, Spread::Slices, Some((1, 6)), None);
    for (rank, end) in ends.iter().enumerate() {
        let end = end.as_ref().unwrap();
        assert!(end.interrupted, "rank {rank} stopped");
        assert_eq!(end.steps, 7, "rank {rank}'s steps");
    }
}

#[test]
fn ranks_whose_all_reduce_gave_other_sums_end_the_run_at_the_next_step() {
    // Rank 1's sums of the 4th step are off in one gradient value: at the 5th step every rank
    // finds that rank 1 started from other parameters, and every rank ends.
    let spec = digits(16, 32, "f64");
    let ends = train_spread::<f64>(&spec, 3, Spread::Slices, None, Some((1, 3)));
    for (rank, end) in ends.iter().enumerate() {
        match end {
            Ok(_) => panic!("rank {rank} went on"),
            Err(e) => assert!(
                e.contains("rank 1 of 3 holds other parameters than rank 0"),
                "rank {rank}: {e}"
            ),
        }
    }
}
