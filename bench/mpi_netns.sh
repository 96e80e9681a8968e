#!/usr/bin/env bash
# Two hosts simulated on this machine: two network namespaces joined by a veth pair, each end
# delayed by 1 ms and capped at 1 Gbit/s (`tc netem`; on a kernel without it, the cap alone
# by `tc tbf`), one rank in each, OpenMPI over TCP
# only. Trains 784-256-10 (f32, Adam, MNIST's 10,000 test images, batches of B, default 512)
# for EPOCHS epochs (default 2) on the two ranks and in one process, checks that the model
# files are the same byte for byte, and prints the step times. Needs root, iproute2, OpenMPI
# and the binary built with `cargo build --release --features mpi`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${BIN:-target/release/backprop}")
B=${B:-512}
EPOCHS=${EPOCHS:-2}
DELAY=${DELAY:-1ms}
RATE=${RATE:-1gbit}
dir=$(mktemp -d)
cleanup() {
    ip netns del bpnet0 2>/dev/null || true
    ip netns del bpnet1 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
cleanup
mkdir -p "$dir"
ip netns add bpnet0
ip netns add bpnet1
ip link add bpveth0 type veth peer name bpveth1
ip link set bpveth0 netns bpnet0
ip link set bpveth1 netns bpnet1
for k in 0 1; do
    ip -n bpnet$k addr add 10.77.0.$((k + 1))/24 dev bpveth$k
    ip -n bpnet$k link set bpveth$k up
    ip -n bpnet$k link set lo up
    if ! tc -n bpnet$k qdisc add dev bpveth$k root netem delay "$DELAY" rate "$RATE" 2>/dev/null; then
        # A kernel without sch_netem: the rate cap alone (a token bucket), no added delay.
        tc -n bpnet$k qdisc add dev bpveth$k root tbf rate "$RATE" burst 256kb latency 50ms
        [ $k = 1 ] && echo "no netem in this kernel: $RATE by tbf, no added delay"
    fi
done

cat > "$dir/spec.toml" <<SPEC
inputs = 784
loss = "cross_entropy"
dtype = "f32"
[optimizer]
kind = "adam"
learning_rate = 0.001
[[layers]]
units = 256
activation = "relu"
[[layers]]
units = 10
activation = "softmax"
[training]
batch_size = $B
epochs = $EPOCHS
seed = 3
[data]
path = "$PWD/data/mnist/t10k-images-idx3-ubyte.gz"
labels = "$PWD/data/mnist/t10k-labels-idx1-ubyte.gz"
validation = 0.1
test = 0.0
SPEC
"$BIN" train "$dir/spec.toml" --quiet --save "$dir/alone.safetensors" --log "$dir/alone.jsonl" >/dev/null
net=(--mca btl tcp,self --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24)
PMIX_MCA_ptl_tcp_remote_connections=1 PMIX_MCA_ptl_tcp_if_include=10.77.0.0/24 \
    ip netns exec bpnet0 mpirun --allow-run-as-root --oversubscribe --bind-to none "${net[@]}" \
    -x RAYON_NUM_THREADS=1 \
    -np 1 "$BIN" train "$dir/spec.toml" --quiet --save "$dir/ranks.safetensors" --log "$dir/ranks.jsonl" \
    : -np 1 ip netns exec bpnet1 "$BIN" train "$dir/spec.toml" --quiet >/dev/null
if cmp -s "$dir/alone.safetensors" "$dir/ranks.safetensors"; then
    echo "the model files of one process and of two ranks on two hosts are the same, byte for byte"
else
    echo "the model files differ"
    exit 1
fi
python3 - "$dir" "$B" <<'PY'
import json, sys, statistics
d, b = sys.argv[1], int(sys.argv[2])
for name in ("alone", "ranks"):
    v = [json.loads(l)["samples_per_s"] for l in open(f"{d}/{name}.jsonl") if '"epoch"' in l]
    s = statistics.median(v)
    print(f"{name}: {s:,.0f} samples/s, {1000 * b / s:.2f} ms a step of {b}")
PY
