#!/usr/bin/env bash
# Two hosts simulated on this machine: two network namespaces joined by a link that delays
# each packet by DELAY_MS (default 1) and carries at most RATE bits/s each way (default 1e9),
# one rank in each, OpenMPI over TCP only. The link is a veth pair with `tc netem` where the
# kernel has it; otherwise bench/link.py, two TUN devices (MTU 65,000) with a process in the
# root namespace that carries the packets between them after the delay at the rate. Trains
# 784-256-10 (f32, Adam, 9,000 of MNIST's 10,000 test images) for EPOCHS epochs (default 2)
# at batch 128 and 512: in one process, on the two ranks sharing the engine's shards (the
# model file must equal the one-process run's byte for byte) and on the two ranks with
# --all-reduce; prints the median step time of each. Needs root, iproute2, OpenMPI and the
# binary built with `cargo build --release --features mpi`. Extra mpirun options (an all-reduce
# algorithm, say) come from MPIRUN_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${BIN:-target/release/backprop}")
EPOCHS=${EPOCHS:-2}
DELAY_MS=${DELAY_MS:-1}
RATE=${RATE:-1e9}
PY=$(command -v /usr/bin/python3 || command -v python3)
dir=$(mktemp -d)
link=""
cleanup() {
    [ -n "$link" ] && kill "$link" 2>/dev/null || true
    ip netns del bpnet0 2>/dev/null || true
    ip netns del bpnet1 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
cleanup
mkdir -p "$dir"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
ip netns add bpnet0
ip netns add bpnet1
ip link add bpveth0 type veth peer name bpveth1
if tc qdisc add dev bpveth0 root netem delay "${DELAY_MS}ms" rate "$RATE" 2>/dev/null; then
    tc qdisc add dev bpveth1 root netem delay "${DELAY_MS}ms" rate "$RATE"
    dev=bpveth
    echo "link: veth, tc netem delay ${DELAY_MS} ms, rate $RATE bit/s"
else
    ip link del bpveth0
    "$PY" bench/link.py bptun0 bptun1 "$DELAY_MS" "$RATE" &
    link=$!
    for _ in $(seq 100); do ip link show bptun1 >/dev/null 2>&1 && break; sleep 0.1; done
    dev=bptun
    echo "link: no netem in this kernel; bench/link.py, TUN devices, delay ${DELAY_MS} ms, rate $RATE bit/s"
fi
for k in 0 1; do
    ip link set $dev$k netns bpnet$k
    ip -n bpnet$k addr add 10.77.0.$((k + 1))/24 dev $dev$k
    [ $dev = bptun ] && ip -n bpnet$k link set $dev$k mtu 65000
    ip -n bpnet$k link set $dev$k up
    ip -n bpnet$k link set lo up
done
net=(--mca btl tcp,self --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24)
# Rank 0 in bpnet0 ($1: its log and model), rank 1 in bpnet1; further arguments for both.
two_hosts() {
    local out=$1
    shift
    PMIX_MCA_ptl_tcp_remote_connections=1 PMIX_MCA_ptl_tcp_if_include=10.77.0.0/24 \
        ip netns exec bpnet0 mpirun --allow-run-as-root --oversubscribe --bind-to none "${net[@]}" \
        -x RAYON_NUM_THREADS=1 ${MPIRUN_ARGS:-} \
        -np 1 "$BIN" train "$dir/spec.toml" --quiet --save "$out.safetensors" --log "$out.jsonl" "$@" \
        : -np 1 ip netns exec bpnet1 "$BIN" train "$dir/spec.toml" --quiet "$@" >/dev/null
}
step_ms() { # the median epoch's step time of a log, in ms
    "$PY" -c 'import json,sys,statistics
v=[json.loads(l)["samples_per_s"] for l in open(sys.argv[1]) if "\"epoch\"" in l]
print(f"{1000*int(sys.argv[2])/statistics.median(v):.2f}")' "$1" "$2"
}
printf '| batch | alone | 2 ranks, shards | 2 ranks, --all-reduce |\n|---:|---:|---:|---:|\n'
for B in 128 512; do
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
two_hosts "$dir/shards"
two_hosts "$dir/reduced" --all-reduce
if ! cmp -s "$dir/alone.safetensors" "$dir/shards.safetensors"; then
    echo "batch $B: the model files of one process and of two ranks (shards) differ"
    exit 1
fi
printf '| %s | %s ms | %s ms | %s ms |\n' "$B" "$(step_ms "$dir/alone.jsonl" "$B")" \
    "$(step_ms "$dir/shards.jsonl" "$B")" "$(step_ms "$dir/reduced.jsonl" "$B")"
done
echo "the model files of one process and of two ranks sharing shards on two hosts are the same, byte for byte"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
