#!/usr/bin/env bash
# Convergence per epoch of the `cnn` preset on real MNIST (data/mnist), natively, one process at
# a time (the CLI trains on one thread): for each recipe and seed, the accuracy on all 10,000 test
# images at every half epoch and every epoch's end, the images seen, the wall time and the load.
#
#   bash bench/convergence.sh                 # the old and new recipes, seeds 1 2 3
#   SEEDS="1" RECIPES="new" bash bench/convergence.sh
#
# Builds the release CLI first. Prints one markdown row per run (stdout) as it finishes; the
# metrics of each run stay in target/bench/convergence/.
set -euo pipefail
cd "$(dirname "$0")/.."

SEEDS=${SEEDS:-"1 2 3"}
RECIPES=${RECIPES:-"old new"}
out=target/bench/convergence
mkdir -p "$out"
nice -n 10 env CARGO_BUILD_JOBS=1 cargo build --release -q -p groundup-cli

# The recipe's flags; half an epoch of steps for --eval-every.
recipe() {
  case $1 in
    # The cnn preset before this change: paper CNN, Adam 0.004 × 0.35 per epoch, batch 64, 4 epochs.
    old) echo "--epochs 4 --batch 64 --lr 0.004 --schedule epoch-decay --lr-decay 0.35 --shift 1 --arch conv8k5-lrelu-pool-conv16k5-lrelu-pool-dense10 --eval-every 469" ;;
    # The cnn preset now (its own defaults).
    new) echo "--eval-every 235" ;;
    *) echo "unknown recipe $1" >&2; exit 2 ;;
  esac
}

echo "| recipe | seed | full-test accuracy at each half epoch (images seen) | wall s | load before → after |"
echo "|---|--:|---|--:|---|"
for r in $RECIPES; do
  for s in $SEEDS; do
    flags=$(recipe "$r")
    before=$(cut -d' ' -f1 /proc/loadavg)
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    ./target/release/groundup train --preset cnn --seed "$s" $flags --metrics "$out/$r-$s.jsonl" \
      > "$out/$r-$s.json" 2> "$out/$r-$s.log"
    wall=$(echo "$(date +%s.%N) - $start" | bc)
    after=$(cut -d' ' -f1 /proc/loadavg)
    batch=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["batch_size"])' "$out/$r-$s.json")
    accs=$(python3 - "$out/$r-$s.jsonl" "$batch" <<'PY'
import json, sys
batch, train = int(sys.argv[2]), 60_000
per_epoch = -(-train // batch)
seen = lambda step: (step // per_epoch) * train + (step % per_epoch) * batch
evals = [json.loads(l) for l in open(sys.argv[1]) if '"eval"' in l]
print(", ".join(f"{100 * e['accuracy']:.2f}% ({seen(e['step']) / 1000:g}k)" for e in evals))
PY
)
    printf '| %s | %s | %s | %.0f | %s → %s |\n' "$r" "$s" "$accs" "$wall" "$before" "$after"
  done
done
