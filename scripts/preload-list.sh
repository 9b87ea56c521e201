#!/usr/bin/env bash
# Writes src/main/resources/agentx/preload.txt: the classes a server start loads from the jar and the
# JDK (not from the JDK's class-data archive), in the order it loads them. agentx.cli.Preload loads
# them on a second thread while the main one starts the server, so the first start-up phases
# (configuration, logging, Vert.x) overlap with reading and parsing the classes of the later ones.
# Run it after changes that alter start-up (new dependencies, verticles, routes); a stale list
# only loses some of the gain, a missing class is skipped.
#
#   ./mvnw -B -o package -DskipTests && scripts/preload-list.sh target/agentx.jar
#
# Linux only; starts the jar on a new SQLite file, then once more on the same (now existing)
# database, and keeps the second start's classes: the start operators repeat.
set -euo pipefail
if [ $# -lt 1 ]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
jar=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/startup-time.sh" "$jar" "$work/preload.db" -Dagentx.preload=false > /dev/null
"$here/startup-time.sh" "$jar" "$work/preload.db" -Dagentx.preload=false \
  "-Xlog:class+load=info:file=$work/classes.log:none"
out="$here/../src/main/resources/agentx/preload.txt"
# lines look like "java.lang.Object source: jrt:/java.base" or "... source: file:/…/agentx.jar";
# lambdas and other hidden classes cannot be loaded by name
grep -E ' source: (jrt:/|file:)' "$work/classes.log" | awk '{print $1}' | grep -v -e '\$\$Lambda' -e '/0x' > "$out"
echo "$(wc -l < "$out") classes written to $out"
