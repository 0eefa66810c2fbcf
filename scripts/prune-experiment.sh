#!/usr/bin/env bash
# The pruning experiment of docs/RESULTS.md on Fashion-MNIST: a dense model trained from scratch; the same model pruned
# to 50% of its table latency and fine-tuned with distillation; and a uniformly narrower model of about the pruned
# model's measured latency, trained from scratch for the same total number of epochs. Prints one summary table.
#
#   scripts/prune-experiment.sh [OUT_DIR]        (default runs/prune-experiment)
#
# Environment: DENSE=FILE reuses a trained dense model instead of training one (its epochs must be given as
# DENSE_EPOCHS); EPOCHS (dense training, default 6), FT_EPOCHS (fine-tuning, default 2), INTERVAL (batches between
# pruning steps, default 20), DENSE_ARGS (the dense model, e.g. --model NAME or --config FILE; default the main
# job's), TRAIN_ARGS (recipe flags for the dense and the uniform training, e.g. --warmup-epochs 1), and the uniform
# candidates: PATCH (4), DEPTH (5), HEAD_DIM (32) and
# UNIFORM="E:heads:MLP ..." (default "48:2:96 64:2:128 80:3:160"); the one whose measured latency is closest to the
# fine-tuned pruned model's is trained.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/prune-experiment}
EPOCHS=${DENSE_EPOCHS:-${EPOCHS:-6}}
FT_EPOCHS=${FT_EPOCHS:-2}
INTERVAL=${INTERVAL:-20}
# The table and every latency measurement use this batch: at 64 the small models' blocks are dominated by per-op
# overheads (the table's floor is ~50% of the original), at 256 their time follows their dims.
LUT_BATCH=${LUT_BATCH:-256}
TRAIN_ARGS=${TRAIN_ARGS:-}
DENSE_ARGS=${DENSE_ARGS:-}
PATCH=${PATCH:-4}
DEPTH=${DEPTH:-5}
HEAD_DIM=${HEAD_DIM:-32}
UNIFORM=${UNIFORM:-"48:2:96 64:2:128 80:3:160"}
mkdir -p "$OUT"
log() { printf '\n== %s\n' "$*"; }

if [[ -n "${DENSE:-}" ]]; then
  DENSE_MODEL=$DENSE
else
  log "1/5 dense model: $EPOCHS epochs"
  # shellcheck disable=SC2086
  [[ -f $OUT/dense/model.safetensors ]] || ./nvit train --epochs "$EPOCHS" $DENSE_ARGS $TRAIN_ARGS --output "$OUT/dense"
  DENSE_MODEL=$OUT/dense/model.safetensors
fi

# Each stage is skipped when its output exists, so a failed run continues where it stopped.
log "2/5 latency table (default grid, batch $LUT_BATCH)"
[[ -f $OUT/lut.json ]] || ./nvit lut build --checkpoint "$DENSE_MODEL" --batch "$LUT_BATCH" --out "$OUT/lut.json"

log "3/5 prune to 50% of the table latency, then fine-tune $FT_EPOCHS epochs with soft distillation"
[[ -f $OUT/pruned/model.safetensors ]] || ./nvit prune --checkpoint "$DENSE_MODEL" --lut "$OUT/lut.json" \
  --target-latency 0.5 --interval "$INTERVAL" --output "$OUT/pruned"
[[ -f $OUT/finetuned/model.safetensors ]] || ./nvit train --init "$OUT/pruned/model.safetensors" --epochs "$FT_EPOCHS" --warmup-epochs 0 \
  --teacher "$DENSE_MODEL" --distillation-type soft --output "$OUT/finetuned"

# Pruning steps ran INTERVAL batches of 64 each: count them as epochs of the 60000 training images.
steps=$(( $(wc -l < "$OUT/pruned/dims.csv") - 2 )) # minus the header and the step-0 row (the original dims)
prune_epochs=$(awk -v s="$steps" -v i="$INTERVAL" 'BEGIN { printf "%.2f", s * i * 64 / 60000 }')
total=$(awk -v a="$EPOCHS" -v b="$prune_epochs" -v c="$FT_EPOCHS" 'BEGIN { e = a + b + c; printf "%d", (e == int(e)) ? e : int(e) + 1 }')

log "4/5 uniform model of the pruned model's measured latency, trained from scratch for $total epochs"
pruned_ms=$(./nvit bench model --checkpoint "$OUT/finetuned/model.safetensors" --mode infer --batch "$LUT_BATCH" --json | tail -1 \
  | sed 's/.*"median_ms":\([0-9.]*\).*/\1/')
best=""; best_gap=""
for cand in $UNIFORM; do
  IFS=: read -r e h m <<< "$cand"
  cfg=$OUT/uniform-e$e-h$h-m$m.json
  blocks=$(for ((i = 1; i <= DEPTH; i++)); do
    printf '{"heads": %d, "qk_dim": %d, "v_dim": %d, "mlp_dim": %d}' "$h" "$HEAD_DIM" "$HEAD_DIM" "$m"
    if (( i < DEPTH )); then printf ', '; fi
  done)
  printf '{"image_size": 28, "patch_size": %d, "in_chans": 1, "num_classes": 10, "embed_dim": %d, "distilled": false, "layer_norm_eps": 1e-6, "blocks": [%s]}\n' \
    "$PATCH" "$e" "$blocks" > "$cfg"
  ms=$(./nvit bench model --config "$cfg" --mode infer --batch "$LUT_BATCH" --json | tail -1 | sed 's/.*"median_ms":\([0-9.]*\).*/\1/')
  gap=$(awk -v a="$ms" -v b="$pruned_ms" 'BEGIN { d = a - b; print (d < 0 ? -d : d) }')
  echo "uniform E$e heads $h MLP $m: $ms ms (pruned: $pruned_ms ms)"
  if [[ -z "$best" ]] || awk -v g="$gap" -v b="$best_gap" 'BEGIN { exit !(g < b) }'; then best=$cfg; best_gap=$gap; fi
done
echo "closest: $best"
# shellcheck disable=SC2086
[[ -f $OUT/uniform/model.safetensors ]] || ./nvit train --config "$best" --epochs "$total" $TRAIN_ARGS --output "$OUT/uniform"

log "5/5 summary"
for name in dense pruned finetuned uniform; do
  case $name in
    dense) f=$DENSE_MODEL ;;
    *) f=$OUT/$name/model.safetensors ;;
  esac
  acc=$(./nvit eval --checkpoint "$f" --json | tail -1)
  ms=$(./nvit bench model --checkpoint "$f" --mode infer --batch "$LUT_BATCH" --json | tail -1 | sed 's/.*"median_ms":\([0-9.]*\).*/\1/')
  info=$(./nvit info "$f" | grep -E "^(tensors|compute)" | tr -s ' ' | tr '\n' ';')
  echo "$name | $acc | measured ${ms} ms/batch of $LUT_BATCH | $info"
done | tee "$OUT/summary.txt"
echo "dense epochs $EPOCHS, pruning steps $steps (= $prune_epochs epochs), fine-tune $FT_EPOCHS, uniform $total" | tee -a "$OUT/summary.txt"
cat "$OUT/pruned/report.md"
