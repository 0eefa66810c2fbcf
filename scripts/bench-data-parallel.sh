#!/usr/bin/env bash
# Data-parallel overhead on one machine: vit_fmnist_patch7 training on Fashion-MNIST, 1 process x all cores at
# batch N*B against N processes x their share at batch B each (the same global batch), ROUNDS times alternately, so
# that drift of the machine hits both alike. Prints each run's `--profile` line and the CPU that other processes
# used meanwhile ("others": busy time of the machine minus this run's, in % of its capacity), and the ratio of the
# medians over the runs that had the machine to themselves (others <= 5%).
# Usage: scripts/bench-data-parallel.sh [N=2] [B=64] [STEPS=60] [ROUNDS=3]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-2}"; B="${2:-64}"; STEPS="${3:-60}"; ROUNDS="${4:-3}"
OUT="$(mktemp -d)"; trap 'rm -rf "$OUT"' EXIT
HZ="$(getconf CLK_TCK)"; CPUS="$(nproc)"
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }       # jiffies, all CPUs
mine() { local st; read -r -a st < "/proc/$BASHPID/stat"; MINE=$(( st[15] + st[16] )); } # waited-for children (no subshell: sets MINE)
one=(); many=()
run() { # label, args... -> prints "images/s others%"
  local label="$1"; shift
  local b0 m0 t0 line b1 m1 t1
  b0="$(busy)"; mine; m0=$MINE; t0="$(date +%s.%N)"
  NVIT_PLAIN_PROGRESS=1 "$ROOT/nvit" train "$@" --max-steps "$STEPS" --profile --output "$OUT/$label" > "$OUT/$label.log" 2>&1
  b1="$(busy)"; mine; m1=$MINE; t1="$(date +%s.%N)"
  line="$(grep '^profile:' "$OUT/$label.log" | tail -1)"
  rm -rf "${OUT:?}/$label"
  local others
  others="$(awk -v b="$((b1 - b0))" -v m="$((m1 - m0))" -v t0="$t0" -v t1="$t1" -v hz="$HZ" -v c="$CPUS" \
    'BEGIN {o = (b - m) / hz / ((t1 - t0) * c) * 100; printf "%.0f", o < 0 ? 0 : o}')"
  echo "$label: $line [others ${others}%]" >&2
  echo "$(echo "$line" | sed -E 's/.* ([0-9.]+) images\/s.*/\1/') $others"
}
for r in $(seq "$ROUNDS"); do
  one+=("$(run "1x$(( N * B ))-round$r" --batch-size $(( N * B )))")
  many+=("$(run "${N}x$B-round$r" --nproc "$N" --batch-size "$B")")
done
quiet() { for x in "$@"; do set -- $x; if [ "$2" -le 5 ]; then echo "$1"; fi; done; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
m1="$(quiet "${one[@]}" | median)"; mn="$(quiet "${many[@]}" | median)"
echo "1 process x $CPUS threads, batch $(( N * B )): $(printf '%s, ' "${one[@]}")median of the quiet runs $m1 images/s"
echo "$N processes, batch $B each: $(printf '%s, ' "${many[@]}")median of the quiet runs $mn images/s"
awk -v a="$mn" -v b="$m1" 'BEGIN {if (a == "nan" || b == "nan") print "ratio: no quiet run of both"; else printf "ratio %.3f\n", a / b}'
