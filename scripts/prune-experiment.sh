#!/usr/bin/env bash
# The pruning experiment of docs/RESULTS.md on Fashion-MNIST: a dense model trained from scratch; the same model pruned
# to 50% of its table latency and fine-tuned with distillation; and a uniformly narrower model of about the pruned
# model's measured latency, trained from scratch for the same total number of epochs. Prints one summary table.
#
#   scripts/prune-experiment.sh [OUT_DIR]        (default runs/prune-experiment)
#
# Environment: DENSE=FILE reuses a trained dense model instead of training one (its epochs must be given as
# DENSE_EPOCHS); EPOCHS (dense training, default 6), FT_EPOCHS (fine-tuning, default 2), INTERVAL (batches between
# pruning steps, default 20), TRAIN_ARGS (extra flags for every training run, default the main job's recipe).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/prune-experiment}
EPOCHS=${DENSE_EPOCHS:-${EPOCHS:-6}}
FT_EPOCHS=${FT_EPOCHS:-2}
INTERVAL=${INTERVAL:-20}
TRAIN_ARGS=${TRAIN_ARGS:-}
mkdir -p "$OUT"
log() { printf '\n== %s\n' "$*"; }

if [[ -n "${DENSE:-}" ]]; then
  DENSE_MODEL=$DENSE
else
  log "1/5 dense model: $EPOCHS epochs"
  # shellcheck disable=SC2086
  ./nvit train --epochs "$EPOCHS" $TRAIN_ARGS --output "$OUT/dense"
  DENSE_MODEL=$OUT/dense/model.safetensors
fi

log "2/5 latency table (default grid, batch 64)"
./nvit lut build --checkpoint "$DENSE_MODEL" --batch 64 --out "$OUT/lut.json"

log "3/5 prune to 50% of the table latency, then fine-tune $FT_EPOCHS epochs with soft distillation"
./nvit prune --checkpoint "$DENSE_MODEL" --lut "$OUT/lut.json" --target-latency 0.5 --interval "$INTERVAL" \
  --output "$OUT/pruned"
# shellcheck disable=SC2086
./nvit train --init "$OUT/pruned/model.safetensors" --epochs "$FT_EPOCHS" --warmup-epochs 0 $TRAIN_ARGS \
  --teacher "$DENSE_MODEL" --distillation-type soft --output "$OUT/finetuned"

# Pruning steps ran INTERVAL batches of 64 each: count them as epochs of the 60000 training images.
steps=$(( $(wc -l < "$OUT/pruned/dims.csv") - 1 ))
prune_epochs=$(awk -v s="$steps" -v i="$INTERVAL" 'BEGIN { printf "%.2f", s * i * 64 / 60000 }')
total=$(awk -v a="$EPOCHS" -v b="$prune_epochs" -v c="$FT_EPOCHS" 'BEGIN { e = a + b + c; printf "%d", (e == int(e)) ? e : int(e) + 1 }')

log "4/5 uniform model of the pruned model's measured latency, trained from scratch for $total epochs"
pruned_ms=$(./nvit bench model --checkpoint "$OUT/finetuned/model.safetensors" --mode infer --batch 64 --json | tail -1 \
  | sed 's/.*"median_ms":\([0-9.]*\).*/\1/')
best=""; best_gap=""
for e in 48 64 80; do
  for m in 96 128 192; do
    cfg=$OUT/uniform-e$e-m$m.json
    printf '{"image_size": 28, "patch_size": 4, "in_chans": 1, "num_classes": 10, "embed_dim": %d, "distilled": false, "layer_norm_eps": 1e-6, "blocks": [%s]}\n' \
      "$e" "$(for i in 1 2 3 4 5; do printf '{"heads": 2, "qk_dim": 32, "v_dim": 32, "mlp_dim": %d}' "$m"; [[ $i -lt 5 ]] && printf ', '; done)" > "$cfg"
    ms=$(./nvit bench model --config "$cfg" --mode infer --batch 64 --warmup 5 --json | tail -1 | sed 's/.*"median_ms":\([0-9.]*\).*/\1/')
    gap=$(awk -v a="$ms" -v b="$pruned_ms" 'BEGIN { d = a - b; print (d < 0 ? -d : d) }')
    echo "uniform E$e MLP$m: $ms ms (pruned: $pruned_ms ms)"
    if [[ -z "$best" ]] || awk -v g="$gap" -v b="$best_gap" 'BEGIN { exit !(g < b) }'; then best=$cfg; best_gap=$gap; fi
  done
done
echo "closest: $best"
# shellcheck disable=SC2086
./nvit train --config "$best" --epochs "$total" $TRAIN_ARGS --output "$OUT/uniform"

log "5/5 summary"
for name in dense pruned finetuned uniform; do
  case $name in
    dense) f=$DENSE_MODEL ;;
    *) f=$OUT/$name/model.safetensors ;;
  esac
  acc=$(./nvit eval --checkpoint "$f" --json | tail -1)
  ms=$(./nvit bench model --checkpoint "$f" --mode infer --batch 64 --warmup 5 --json | tail -1 | sed 's/.*"median_ms":\([0-9.]*\).*/\1/')
  info=$(./nvit info "$f" | grep -E "^(tensors|compute)" | tr -s ' ' | tr '\n' ';')
  echo "$name | $acc | measured ${ms} ms/batch of 64 | $info"
done | tee "$OUT/summary.txt"
echo "dense epochs $EPOCHS, pruning steps $steps (= $prune_epochs epochs), fine-tune $FT_EPOCHS, uniform $total" | tee -a "$OUT/summary.txt"
cat "$OUT/pruned/report.md"
