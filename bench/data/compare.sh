#!/usr/bin/env bash
# The JPEG data-pipeline comparison in docs/PERFORMANCE.md: our decode + DeiT train transforms (and the eval
# transforms) against torchvision's ImageFolder + DataLoader on the same folder of JPEG photos, one worker each,
# alternating, ROUNDS times. Per core: images per CPU-second of the whole process (ours: JIT and GC threads
# included; torchvision: num_workers=0, one thread). Run on an otherwise idle machine (load average below 1).
# Usage: bench/data/compare.sh [DIR] [ROUNDS]; DIR (default bench/target/jpeg-folder) is written when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR="${1:-bench/target/jpeg-folder}"
ROUNDS="${2:-3}"
need=()
[ -e /usr/lib/x86_64-linux-gnu/libturbojpeg.so.0 ] || ldconfig -p 2>/dev/null | grep -q libturbojpeg.so.0 || need+=(libturbojpeg0)
/usr/bin/python3 -c 'import torchvision' 2>/dev/null || need+=(python3-torchvision)
ls /usr/share/wallpapers/Autumn/contents/images/*.jpg >/dev/null 2>&1 || [ -d "$DIR" ] || need+=(plasma-workspace-wallpapers)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else echo "error: missing ${need[*]}; run: sudo apt-get install --no-install-recommends ${need[*]}" >&2; exit 2; fi
fi
[ -d "$DIR/train" ] || /usr/bin/python3 bench/data/make_jpeg_folder.py "$DIR" 100 10
./nvit --version >/dev/null   # builds the jar when needed
. scripts/find-jdk.sh
ours() {
  "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xmx4g \
    -cp cli/target/nvit.jar org.nvit.data.PipelineBench --data "imagefolder:$DIR" --image-size 224 --channels 3 \
    --workers 1 --repeat 3 "$@" 2>&1 | grep -E '^(train|eval) workers'
}
theirs() { /usr/bin/python3 bench/data/torchvision_pipeline.py "$DIR" --workers 0 --repeat 3 "$@"; }
echo "== $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for r in $(seq "$ROUNDS"); do
  echo "-- round $r, $(uptime | sed 's/.*load/load/')"
  ours; theirs; ours --eval; theirs --eval
done
