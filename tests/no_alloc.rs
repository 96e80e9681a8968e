//! A training step allocates nothing: a counting global allocator around many steps.
//!
//! Small products run the engine's own loops: zero allocations. Large ones go to the GEMM
//! kernel, which takes a packing buffer per call and frees it before returning (and keeps one
//! slab per thread it has run on), so memory in use does not grow with the number of steps.
//! Only the training thread's allocations are counted (the test harness has threads of its own).

use backprop::{
    Activation, BiasKind, Dataset, LayerShape, Loss, Network, OptimizerConfig, OptimizerKind,
    Trainer, TrainerConfig,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

struct Counting;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
thread_local! {
    /// Whether this thread's allocations are counted.
    static TRACKED: Cell<bool> = const { Cell::new(false) };
}

fn tracked() -> bool {
    TRACKED.with(|t| t.get())
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if tracked() {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::SeqCst);
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if tracked() {
            LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::SeqCst);
        }
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn setup(inputs: usize, hidden: usize, outputs: usize, n: usize) -> (Network<f32>, Dataset<f32>) {
    let shapes = [
        LayerShape {
            units: hidden,
            activation: Activation::Relu,
            bias: BiasKind::PerUnit,
        },
        LayerShape {
            units: outputs,
            activation: Activation::Softmax,
            bias: BiasKind::PerUnit,
        },
    ];
    let mut net = Network::<f32>::new(inputs, &shapes, Loss::CrossEntropy).unwrap();
    for (k, p) in net.params.iter_mut().enumerate() {
        *p = ((k % 17) as f32 - 8.0) / 100.0;
    }
    let x: Vec<f32> = (0..n * inputs).map(|k| (k % 13) as f32 / 13.0).collect();
    let mut t = vec![0.0f32; n * outputs];
    for s in 0..n {
        t[s * outputs + s % outputs] = 1.0;
    }
    (net, Dataset::new(x, t, inputs, outputs).unwrap())
}

#[test]
fn training_steps_allocate_nothing_and_memory_does_not_grow() {
    // Tiny network (the engine's direct loops), shuffled mini-batches with a partial last batch.
    let (mut net, data) = setup(4, 5, 3, 10);
    let config = OptimizerConfig::new(OptimizerKind::Adam, 0.01);
    let mut trainer = Trainer::new(
        &net,
        &TrainerConfig {
            optimizer: config,
            batch_size: 4,
            shuffle: true,
            seed: 1,
        },
        data.len(),
    );
    trainer.epoch(&mut net, &data).unwrap();
    TRACKED.with(|t| t.set(true));
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    for _ in 0..1000 {
        trainer.epoch(&mut net, &data).unwrap();
    }
    let allocations = ALLOCATIONS.load(Ordering::SeqCst) - before;
    TRACKED.with(|t| t.set(false));
    assert_eq!(allocations, 0, "a tiny step allocated");

    // A layer large enough for the GEMM kernel, on one thread: after the first epoch, memory in
    // use stays what it was.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    pool.install(|| {
        let (mut net, data) = setup(256, 128, 10, 64);
        let mut trainer = Trainer::new(
            &net,
            &TrainerConfig {
                optimizer: OptimizerConfig::sgd(0.01),
                batch_size: 32,
                shuffle: true,
                seed: 1,
            },
            data.len(),
        );
        TRACKED.with(|t| t.set(true));
        trainer.epoch(&mut net, &data).unwrap();
        let live = LIVE_BYTES.load(Ordering::SeqCst);
        for _ in 0..50 {
            trainer.epoch(&mut net, &data).unwrap();
        }
        let grown = LIVE_BYTES.load(Ordering::SeqCst) - live;
        TRACKED.with(|t| t.set(false));
        assert_eq!(grown, 0, "memory in use grew");
    });
}
