#!/usr/bin/env bash
# Makes the bundle a GPU session carries (64 MiB limit): a jlinked Java 25 runtime plus the shaded nvit.jar, as
# .gpu/nvit-gpu-bundle.tar.gz in the repository root. Run here (with a JDK 25), then on the GPU machine:
#   bench/gpu-check.sh .gpu/nvit-gpu-bundle.tar.gz      (carry: [".gpu"])
# Needs: JDK 25 (JAVA_HOME or scripts/find-jdk.sh), Maven for the jar when cli/target/nvit.jar is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUTDIR="$ROOT/.gpu"
JDK="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAR="$ROOT/cli/target/nvit.jar"
[ -x "$JDK/bin/jlink" ] || { echo "make-gpu-bundle: no jlink under $JDK: set JAVA_HOME to a JDK 25" >&2; exit 2; }
stale() {
  [ ! -f "$JAR" ] || [ "${REBUILD:-0}" = 1 ] || [ -n "$(find "$ROOT" -path "$ROOT/.git" -prune -o \( -name '*.java' \
    -o -name '*.cu' -o -name '*.cuh' -o -name pom.xml \) -newer "$JAR" -print -quit 2>/dev/null)" ]
}
if stale; then
  (cd "$ROOT" && PATH="$JDK/bin:$PATH" JAVA_HOME="$JDK" mvn -B -q -o -DskipTests package -pl cli -am)
fi
unzip -Z1 "$JAR" org/nvit/kernels/nvit_kernels.fatbin >/dev/null 2>&1 || {
  echo "make-gpu-bundle: $JAR has no CUDA kernels: build it where nvcc is on the PATH" >&2; exit 2; }
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
# Modules: jdeps on the shaded jar finds java.base, java.desktop (charts only), java.sql; the engine adds the Vector
# API, logging and FFM (in java.base); jdk.unsupported for libraries that probe sun.misc.Unsafe. java.desktop is left
# out by default (the GPU checks draw no charts; it adds ~20 MiB): MODULES=...,java.desktop to keep it. jdk.management
# gives bench model its process CPU time.
MODULES="${MODULES:-java.base,java.logging,jdk.incubator.vector,java.sql,java.management,jdk.management,jdk.unsupported}"
"$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files --compress=zip-9 \
  --output "$STAGE/jre"
cp "$JAR" "$STAGE/nvit.jar"
# JCuda's PTX compiler and NVRTC natives (24 MiB, need CUDA 12 libraries) are never used: kernels come as a fatbin
command -v zip >/dev/null && zip -q -d "$STAGE/nvit.jar" 'lib/libJNvPTXCompiler-*' 'lib/libJNvrtc-*' || true
mkdir -p "$OUTDIR"
tar -C "$STAGE" -czf "$OUTDIR/nvit-gpu-bundle.tar.gz.tmp" jre nvit.jar
mv -f "$OUTDIR/nvit-gpu-bundle.tar.gz.tmp" "$OUTDIR/nvit-gpu-bundle.tar.gz"
echo "runtime $(du -sm "$STAGE/jre" | cut -f1) MiB, jar $(du -sm "$STAGE/nvit.jar" | cut -f1) MiB," \
     "bundle $(du -sm "$OUTDIR/nvit-gpu-bundle.tar.gz" | cut -f1) MiB: $OUTDIR/nvit-gpu-bundle.tar.gz"
# what travels to the GPU machine: the tracked files and the bundle, 64 MiB at most
tracked=$(git -C "$ROOT" ls-files -z 2>/dev/null | (cd "$ROOT" && xargs -0 du -cb 2>/dev/null) | tail -1 | cut -f1)
total=$(( ${tracked:-0} + $(stat -c %s "$OUTDIR/nvit-gpu-bundle.tar.gz") ))
echo "with the repository's files: $(( total >> 20 )) MiB of the 64 MiB that may travel"
(( total < 64 << 20 )) || { echo "make-gpu-bundle: over the 64 MiB limit" >&2; exit 3; }
git -C "$ROOT" check-ignore -q .gpu/nvit-gpu-bundle.tar.gz 2>/dev/null || \
  echo "note: add '/.gpu/' to .gitignore or .git/info/exclude so the bundle is carried (carry: [\".gpu\"]) but never committed"
