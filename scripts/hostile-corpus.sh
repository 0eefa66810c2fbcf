#!/usr/bin/env bash
# Writes the hostile-file corpus (every file the loaders must refuse in one line, or show in bounded form) into a
# folder, for probing the nvit command by hand: for f in DIR/*; do ./nvit info "$f"; echo "exit $?"; done
# The same files are generated and checked by the tests (HostileCorpusTest, HostileFilesCliTest).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:?usage: scripts/hostile-corpus.sh OUTPUT_FOLDER}"
. scripts/find-jdk.sh
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
mvn -q -B -Dstyle.color=never -DskipTests package -pl cli -am >&2   # nvit.jar and the test classes
exec "$JAVA" -cp nvit-models/target/test-classes:cli/target/nvit.jar org.nvit.weights.hostile.HostileCorpus "$out"
