#!/usr/bin/env bash
# Samples/s of data-parallel training on MPI against the one-process run, on this machine:
# 784-256-10 and 784-1024-1024-10 (f32, ReLU, softmax + cross-entropy, SGD), batches of 128 and
# 512, EPOCHS epochs (default 1) of MNIST's 10,000 test images per run (read from data/mnist),
# RUNS rounds (default 3), each round running every kind once in turn (so that a change in the
# machine's load falls on all of them), each run's figure the median of its epochs' (the
# `samples_per_s` of --log: the steps alone); printed: the median of the rounds and their
# range. Needs the binary built with `cargo build --release --features mpi` and OpenMPI.
#   alone    backprop train, one process, rayon's default threads
#   1 rank   mpirun -np 1, the same threads
#   shards   mpirun -np 2, one thread each (RAYON_NUM_THREADS=1), sharing the engine's shards
#   reduce   the same with --all-reduce: every rank computes a slice of every batch
# Extra mpirun options (a network, say) come from MPIRUN_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/backprop}
RUNS=${RUNS:-3}
EPOCHS=${EPOCHS:-1}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mpi=(mpirun --allow-run-as-root --oversubscribe --bind-to none
     ${MPIRUN_ARGS:-})
median() { # the median and the range of the figures
    python3 -c 'import sys,statistics
v=[float(x) for x in sys.argv[1:]]
print(f"{statistics.median(v):,.0f} ({min(v):,.0f}–{max(v):,.0f})")' "$@"
}
speed() { # the median epoch samples/s of a log
    python3 -c 'import json,sys,statistics
v=[json.loads(l)["samples_per_s"] for l in open(sys.argv[1]) if "epoch" in l]
print(statistics.median(v))' "$1"
}
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| network | batch | alone | 1 rank | 2 ranks, shards | 2 ranks, --all-reduce | reduce / alone |\n|---|---:|---:|---:|---:|---:|---:|\n'
for hidden in "256" "1024 1024"; do
    for batch in 128 512; do
        {
            echo 'inputs = 784'
            echo 'loss = "cross_entropy"'
            echo 'dtype = "f32"'
            echo '[optimizer]'
            echo 'kind = "sgd"'
            echo 'learning_rate = 0.01'
            for u in $hidden; do printf '[[layers]]\nunits = %s\nactivation = "relu"\n' "$u"; done
            printf '[[layers]]\nunits = 10\nactivation = "softmax"\n'
            printf '[training]\nbatch_size = %s\nepochs = %s\n' "$batch" "$EPOCHS"
            echo '[data]'
            echo "path = \"$PWD/data/mnist/t10k-images-idx3-ubyte.gz\""
            echo "labels = \"$PWD/data/mnist/t10k-labels-idx1-ubyte.gz\""
            echo 'validation = 0.0'
            echo 'test = 0.0'
        } > "$dir/spec.toml"
        declare -A runs=()
        for r in $(seq "$RUNS"); do
            for kind in alone one shards reduce; do
                log="$dir/$kind$r.jsonl"
                case $kind in
                    alone) "$BIN" train "$dir/spec.toml" --quiet --log "$log" >/dev/null ;;
                    one) "${mpi[@]}" -np 1 "$BIN" train "$dir/spec.toml" --quiet --log "$log" >/dev/null ;;
                    shards) "${mpi[@]}" -x RAYON_NUM_THREADS=1 -np 2 "$BIN" train "$dir/spec.toml" --quiet --log "$log" >/dev/null ;;
                    reduce) "${mpi[@]}" -x RAYON_NUM_THREADS=1 -np 2 "$BIN" train "$dir/spec.toml" --quiet --all-reduce --log "$log" >/dev/null ;;
                esac
                runs[$kind]="${runs[$kind]:-} $(speed "$log")"
            done
        done
        name="784-$(echo "$hidden" | tr ' ' '-')-10"
        ratio=$(python3 -c 'import sys,statistics as s
m=lambda t: s.median(float(x) for x in t.split())
print(f"{m(sys.argv[1])/m(sys.argv[2]):.2f}")' "${runs[reduce]}" "${runs[alone]}")
        # shellcheck disable=SC2086
        printf '| %s | %s | %s | %s | %s | %s | %s× |\n' "$name" "$batch" "$(median ${runs[alone]})" \
            "$(median ${runs[one]})" "$(median ${runs[shards]})" "$(median ${runs[reduce]})" "$ratio"
        unset runs
    done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
