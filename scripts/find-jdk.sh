# Sourced by ./nvit and .ci/run: sets JAVA_HOME, JAVA and PATH to a JDK >= 25 (JAVA_HOME first, then /usr/lib/jvm/*).
jdk_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }
pick_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(jdk_major "$JAVA_HOME")" -ge 25 ] 2>/dev/null; then
    echo "$JAVA_HOME"; return 0
  fi
  local d best="" bestv=0 v
  for d in /usr/lib/jvm/*; do
    [ -x "$d/bin/javac" ] || continue
    v="$(jdk_major "$d")"
    [ -n "$v" ] && [ "$v" -ge 25 ] && [ "$v" -gt "$bestv" ] && { best="$d"; bestv="$v"; }
  done
  [ -n "$best" ] && echo "$best"
}
JAVA_HOME="$(pick_jdk || true)"
if [ -z "$JAVA_HOME" ]; then
  echo "nvit: error: no JDK >= 25 found (looked at JAVA_HOME and /usr/lib/jvm/*); install Temurin 25 or set JAVA_HOME" >&2
  exit 2
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
JAVA="$JAVA_HOME/bin/java"
