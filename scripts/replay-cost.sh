#!/usr/bin/env bash
# What a replay costs the server: starts the fat jar on a fresh SQLite file, stores a session with
# 5,000 stream events (written straight into the file, as a long answer leaves them), reads the whole
# log as a client catching up does (GET /sessions/{id}/events?after=0&limit=5000) 100 times to warm up,
# then 3 rounds of 200, and prints the server's CPU per page and per event (user + system time).
#
#   scripts/replay-cost.sh target/agentx.jar
#
# Linux only (reads /proc/<pid>/stat); needs curl. Claude and ComfyUI point at a closed port.
set -euo pipefail
if [ $# -lt 1 ]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
jar=$(realpath "$1")
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000))
AGENTX_DATABASE_URL="jdbc:sqlite:$work/replay.db" ANTHROPIC_API_KEY=sk-ant-replay ANTHROPIC_BASE_URL=http://127.0.0.1:9 \
  COMFYUI_URL=http://127.0.0.1:9 AGENTX_HOST=127.0.0.1 AGENTX_PORT=$port java -jar "$jar" > "$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.1; done
sid=$(curl -sf -X POST -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$port/api/agentx/sessions" \
  | sed 's/.*"session_id":"\([^"]*\)".*/\1/')
cat > "$work/Fill.java" <<'JAVA'
import java.sql.*;
public class Fill {
  public static void main(String[] a) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + a[0])) {
      c.setAutoCommit(false);
      String turn = "11111111-2222-3333-4444-555555555555";
      PreparedStatement p = c.prepareStatement("INSERT INTO events (session_id, seq, turn_id, type, envelope, created_at) VALUES (?,?,?,?,?,?)");
      for (int seq = 1; seq <= 5000; seq++) {
        p.setString(1, a[1]); p.setLong(2, seq); p.setString(3, turn); p.setString(4, "stream");
        p.setString(5, "{\"type\":\"stream\",\"session_id\":\"" + a[1] + "\",\"turn_id\":\"" + turn + "\",\"seq\":" + seq
            + ",\"timestamp\":\"2026-12-02T12:00:00.000Z\",\"data\":\"token " + seq + " \",\"kind\":\"text\"}");
        p.setString(6, "2026-12-02T12:00:00.000Z");
        p.executeUpdate();
      }
      c.commit();
    }
  }
}
JAVA
java -cp "$jar" "$work/Fill.java" "$work/replay.db" "$sid" 2> /dev/null
url="http://127.0.0.1:$port/api/agentx/sessions/$sid/events?after=0&limit=5000"
cpu() { awk '{print ($14 + $15) * 10}' "/proc/$pid/stat"; }  # ms, at 100 ticks a second
for _ in $(seq 1 100); do curl -sf -o /dev/null "$url"; done
bytes=$(curl -sf "$url" | wc -c)
echo "a page of 5,000 events: $bytes bytes"
for round in 1 2 3; do
  c0=$(cpu)
  for _ in $(seq 1 200); do curl -sf -o /dev/null "$url"; done
  c=$(( $(cpu) - c0 ))
  awk -v c="$c" -v r="$round" 'BEGIN { printf "round %d: server CPU %.2f ms a page, %.2f us an event\n", r, c / 200, c * 1000 / 200 / 5000 }'
done
