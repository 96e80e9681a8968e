//! Every local derivative of the derivation's operations (the rules of its reverse walk)
//! against central finite differences, (f(x + h) − f(x − h))/2h, at random points.

use backprop::derivation::op::Op;
use backprop::{Activation, Loss};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn ops() -> Vec<(Op, usize)> {
    let mut ops = vec![
        (Op::Weighted { bias: true }, 5),
        (Op::Weighted { bias: false }, 4),
        (Op::Softmax { k: 1 }, 3),
        (Op::Mean, 3),
        (Op::SoftmaxDelta { k: 0 }, 6),
        (Op::CrossEntropyDelta { k: 2 }, 4),
        (Op::BceDelta { outputs: 3 }, 2),
        (Op::Product, 2),
        (Op::Dropout { p: 0.3 }, 2),
        (Op::NesterovStep { lr: 0.3, mu: 0.8 }, 3),
        (Op::Decay { lambda: 0.1 }, 2),
        (Op::MeanProduct, 6),
        (Op::MeanSum { group: 2 }, 4),
        (Op::Descend { lr: 0.3 }, 2),
        (Op::Velocity { mu: 0.9, prev: 0.2 }, 1),
        (
            Op::AdamFirst {
                beta1: 0.9,
                prev: 0.1,
            },
            1,
        ),
        (
            Op::AdamSecond {
                beta2: 0.999,
                prev: 0.01,
            },
            1,
        ),
        (
            Op::AdamStep {
                lr: 0.01,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                t: 1,
            },
            3,
        ),
    ];
    for f in Activation::ALL {
        if f != Activation::Softmax {
            ops.push((Op::Activate(f), 1));
            ops.push((Op::Slope(f), 1));
        }
    }
    for loss in Loss::ALL {
        ops.push((Op::SampleLoss(loss), 4));
        ops.push((Op::LossSlope { loss, outputs: 2 }, 2));
    }
    ops
}

#[test]
fn local_derivatives_match_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let h = 1e-6;
    for (op, n) in ops() {
        for _ in 0..50 {
            // Values in (0.05, 0.95) keep logarithms and square roots in their domains and
            // stay away from relu's kink; the sign is random where the op allows it.
            let positive = matches!(op, Op::SampleLoss(_) | Op::AdamStep { .. });
            let x: Vec<f64> = (0..n)
                .map(|_| {
                    let v = rng.gen_range(0.05..0.95);
                    if positive || rng.gen_bool(0.5) {
                        v
                    } else {
                        -v
                    }
                })
                .collect();
            let local = op.local_grads(&x, op.eval(&x));
            assert_eq!(local.len(), n, "{op:?}");
            for k in 0..n {
                let (mut up, mut down) = (x.clone(), x.clone());
                up[k] += h;
                down[k] -= h;
                let numeric = (op.eval(&up) - op.eval(&down)) / (2.0 * h);
                assert!(
                    (numeric - local[k]).abs() <= 1e-6 * numeric.abs().max(1.0),
                    "{op:?} at {x:?}, input {k}: rule {} vs finite differences {numeric}",
                    local[k]
                );
            }
        }
    }
}
