#!/usr/bin/env bash
# The README's test command: builds every module and runs all tests (GPU tests skip themselves without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-jdk.sh
if ! command -v mvn >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null
  else echo "error: Maven is missing; run: sudo apt-get install maven" >&2; exit 2; fi
fi
# The data-parallel tests run jobs of 2-3 ranks under Open MPI's mpirun and check our binding against its mpi.h;
# without it they skip (CI sets NVIT_REQUIRE_MPI=1, which makes that a failure). Installed here when run as root.
if ! command -v mpirun >/dev/null || [ ! -f /usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openmpi-bin libopenmpi-dev >/dev/null
  else
    echo "note: Open MPI is missing, so the data-parallel tests skip; to run them: sudo apt-get install openmpi-bin libopenmpi-dev" >&2
  fi
fi
# Maven 3.8 on Java 25 warns about sun.misc.Unsafe in its own libraries: allow it quietly.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
exec mvn -B -ntp -Dstyle.color=never verify "$@"
