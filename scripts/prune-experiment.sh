#!/usr/bin/env bash
# NViT's claim on Fashion-MNIST, tested on a converged model (docs/RESULTS.md): a dense vit_fmnist_patch7 trained with
# the 90-epoch recipe; the same model pruned to half its latency and fine-tuned with distillation from the dense one;
# against a uniform model of the same *measured* latency (within 5%) trained from scratch with the full recipe for the
# same total number of epochs, and the same uniform model distilled from the same dense teacher. Prints one table:
# top-1, parameters, FLOPs, predicted and measured latency, and the per-block dims of the pruned model.
#
#   scripts/prune-experiment.sh [OUT_DIR]        (default runs/prune-experiment)
#
# Environment (defaults in brackets): SEED [0]; EPOCHS [90] dense epochs; RECIPE [--random-crop --drop-path 0.1
# --reprob 0.25] the training flags of the dense and uniform runs; FT_EPOCHS [30] fine-tuning epochs of the pruned
# model; INTERVAL [100] batches between pruning steps; TARGET [0.5] table latency target; LUT_BATCH [256] the batch of
# the table and of every latency measurement; DENSE=FILE reuses a trained dense model (its EPOCHS must be given).
# Every stage is skipped when its output exists, so an interrupted run continues where it stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/prune-experiment}
SEED=${SEED:-0}
EPOCHS=${EPOCHS:-90}
RECIPE=${RECIPE:---random-crop --drop-path 0.1 --reprob 0.25}
FT_EPOCHS=${FT_EPOCHS:-30}
INTERVAL=${INTERVAL:-100}
TARGET=${TARGET:-0.5}
LUT_BATCH=${LUT_BATCH:-256}
mkdir -p "$OUT"
log() { printf '\n== %s\n' "$*"; }
# The last JSON line of a command (nvit prints human lines before it).
json() { "$@" | grep '^{' | tail -1; }
field() { sed -n "s/.*\"$1\": *\([-0-9.eE]*\).*/\1/p"; }
latency_ms() { json ./nvit bench model --checkpoint "$1" --mode infer --batch "$LUT_BATCH" --repeats 9 --json | field median_ms; }

if [[ -n "${DENSE:-}" ]]; then DENSE_MODEL=$DENSE; else
  log "1/6 dense vit_fmnist_patch7: $EPOCHS epochs ($RECIPE), seed $SEED"
  # shellcheck disable=SC2086
  [[ -f $OUT/dense/model.safetensors ]] || ./nvit train --epochs "$EPOCHS" $RECIPE --seed "$SEED" --output "$OUT/dense"
  DENSE_MODEL=$OUT/dense/model.safetensors
  # converged: the last 10 epochs gain less than 0.2 points
  python3 - "$OUT/dense/metrics.jsonl" <<'EOF' || true
import json, sys
m = [json.loads(l) for l in open(sys.argv[1])]
if len(m) >= 11:
    gain = 100 * (m[-1]["val_top1"] - m[-11]["val_top1"])
    print(f"dense: top-1 {100 * m[-1]['val_top1']:.2f}%; the last 10 epochs gained {gain:+.2f} points")
EOF
fi

log "2/6 latency table (default grid, batch $LUT_BATCH) and its check on 8 random ragged models"
[[ -f $OUT/lut.json ]] || ./nvit lut build --checkpoint "$DENSE_MODEL" --batch "$LUT_BATCH" --out "$OUT/lut.json"
[[ -f $OUT/lut-check.json ]] || json ./nvit lut check --lut "$OUT/lut.json" --checkpoint "$DENSE_MODEL" --samples 8 --json > "$OUT/lut-check.json"
echo "table check: mean error $(field mean_rel_error < "$OUT/lut-check.json"), worst $(field worst_rel_error < "$OUT/lut-check.json")"

log "3/6 prune to $TARGET of the table latency, then fine-tune $FT_EPOCHS epochs with soft distillation"
[[ -f $OUT/pruned/model.safetensors ]] || ./nvit prune --checkpoint "$DENSE_MODEL" --lut "$OUT/lut.json" \
  --target-latency "$TARGET" --interval "$INTERVAL" --seed "$SEED" --output "$OUT/pruned"
# shellcheck disable=SC2086
[[ -f $OUT/finetuned/model.safetensors ]] || ./nvit train --init "$OUT/pruned/model.safetensors" --epochs "$FT_EPOCHS" \
  --warmup-epochs 0 --teacher "$DENSE_MODEL" --distillation-type soft $RECIPE --seed "$SEED" --output "$OUT/finetuned"

dense_ms=$(latency_ms "$DENSE_MODEL"); pruned_ms=$(latency_ms "$OUT/finetuned/model.safetensors")
echo "measured latency at batch $LUT_BATCH: dense $dense_ms ms, pruned $pruned_ms ms"
# Pruning ran INTERVAL batches of 64 per step: counted as epochs of the 60000 training images.
steps=$(( $(wc -l < "$OUT/pruned/dims.csv") - 2 )) # minus the header and the step-0 row
total=$(awk -v a="$EPOCHS" -v s="$steps" -v i="$INTERVAL" -v c="$FT_EPOCHS" \
  'BEGIN { e = a + s * i * 64 / 60000 + c; printf "%d", (e == int(e)) ? e : int(e) + 1 }')

log "4/6 the uniform model of the pruned model's measured latency (within 5%)"
if [[ ! -f $OUT/uniform.json ]]; then
  best=""; best_gap=1e9
  for e in 64 80 96 112 128; do for h in 2 3 4; do
    cfg=$OUT/candidates/e$e-h$h.json; mkdir -p "$OUT/candidates"
    blocks=$(for i in 1 2 3 4 5 6; do printf '{"heads": %d, "qk_dim": 32, "v_dim": 32, "mlp_dim": %d}%s' "$h" $((2 * e)) \
      "$([[ $i -lt 6 ]] && echo ', ')"; done)
    printf '{"image_size": 28, "patch_size": 7, "in_chans": 1, "num_classes": 10, "embed_dim": %d, "distilled": false, "layer_norm_eps": 1e-6, "global_pool": "avg", "blocks": [%s]}\n' \
      "$e" "$blocks" > "$cfg"
    ms=$(json ./nvit bench model --config "$cfg" --mode infer --batch "$LUT_BATCH" --repeats 9 --json | field median_ms)
    gap=$(awk -v a="$ms" -v b="$pruned_ms" 'BEGIN { d = (a - b) / b; print (d < 0 ? -d : d) }')
    echo "uniform E$e, $h heads of 32, MLP $((2 * e)): $ms ms ($(awk -v g="$gap" 'BEGIN { printf "%.1f", 100 * g }')% from the pruned model)"
    if awk -v g="$gap" -v b="$best_gap" 'BEGIN { exit !(g < b) }'; then best=$cfg; best_gap=$gap; fi
  done; done
  awk -v g="$best_gap" 'BEGIN { exit !(g > 0.05) }' && echo "warning: no candidate within 5% (closest $best, $best_gap)"
  cp "$best" "$OUT/uniform.json"
fi

log "5/6 the uniform model trained from scratch for $total epochs, and distilled from the dense model"
# shellcheck disable=SC2086
[[ -f $OUT/uniform/model.safetensors ]] || ./nvit train --config "$OUT/uniform.json" --epochs "$total" $RECIPE --seed "$SEED" \
  --output "$OUT/uniform"
# shellcheck disable=SC2086
[[ -f $OUT/uniform-distilled/model.safetensors ]] || ./nvit train --config "$OUT/uniform.json" --epochs "$total" $RECIPE \
  --teacher "$DENSE_MODEL" --distillation-type soft --seed "$SEED" --output "$OUT/uniform-distilled"

log "6/6 summary (seed $SEED)"
{
  echo "| model | top-1 | parameters | MFLOPs | table latency (s) | measured latency (ms, batch $LUT_BATCH) |"
  echo "|---|---:|---:|---:|---:|---:|"
  for name in dense pruned finetuned uniform uniform-distilled; do
    f=$OUT/$name/model.safetensors; [[ $name == dense ]] && f=$DENSE_MODEL
    top1=$(json ./nvit eval --checkpoint "$f" --json | field top1)
    info=$(./nvit info "$f" 2>/dev/null)
    params=$(sed -n 's/.*parameters \([0-9,]*\).*/\1/p' <<< "$info" | head -1)
    flops=$(sed -n 's/.* = \([0-9.]*\) GFLOP per image.*/\1/p' <<< "$info" | awk '{ printf "%.1f", 1000 * $1 }')
    pred=$(json ./nvit lut predict --lut "$OUT/lut.json" --checkpoint "$f" --json | field predicted_s)
    echo "| $name | $(awk -v t="$top1" 'BEGIN { printf "%.2f%%", 100 * t }') | $params | $flops | ${pred:-n/a} | $(latency_ms "$f") |"
  done
  echo
  echo "dense $EPOCHS epochs; pruning $steps steps of $INTERVAL batches; fine-tuning $FT_EPOCHS epochs; uniform $total epochs"
} | tee "$OUT/summary.md"
cat "$OUT/pruned/report.md"
