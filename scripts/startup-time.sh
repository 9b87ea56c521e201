#!/usr/bin/env bash
# Start-up to a healthy /health, measured from outside: launches the fat jar on a database you give
# (a copy of a filled one, say), polls GET /health every 10 ms without spawning a process per poll,
# prints the wall time and the JVM's CPU time (user + system), then stops the server.
#
#   scripts/startup-time.sh target/agentx.jar /path/to/copy-of.db [extra JVM flags...]
#   scripts/startup-time.sh target/agentx.jar /tmp/filled.db -XX:SharedArchiveFile=agentx.jsa
#
# Linux only (reads /proc/<pid>/stat). Claude and ComfyUI point at a closed port: /health is healthy
# without them.
set -euo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
jar=$1; db=$2; shift 2
port=$((20000 + RANDOM % 20000))
start=$(date +%s%N)
AGENTX_DATABASE_URL="jdbc:sqlite:$db" ANTHROPIC_API_KEY=sk-ant-startup ANTHROPIC_BASE_URL=http://127.0.0.1:9 \
  COMFYUI_URL=http://127.0.0.1:9 AGENTX_HOST=127.0.0.1 AGENTX_PORT=$port \
  java "$@" -jar "$jar" > "${TMPDIR:-/tmp}/startup-time.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
deadline=$((start + 120000000000))
until { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null \
    && printf 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3 \
    && timeout 2 cat <&3 | grep -q '"status":"healthy"'; do
  exec 3>&- 2>/dev/null || true
  if ! kill -0 $pid 2>/dev/null || [ "$(date +%s%N)" -gt $deadline ]; then
    echo "the server did not become healthy; its output: ${TMPDIR:-/tmp}/startup-time.log" >&2
    exit 1
  fi
  sleep 0.01
done
end=$(date +%s%N)
read -r -a stat < "/proc/$pid/stat"
ticks=$(getconf CLK_TCK)
echo "healthy after $(( (end - start) / 1000000 )) ms; JVM CPU $(( (stat[13] + stat[14]) * 1000 / ticks )) ms"
