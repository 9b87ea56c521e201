-- A turn's cost is unknown (NULL) when its model has no prices (issue 12: honest costs): never 0,
-- never another model's price. SQLite cannot drop a NOT NULL constraint, so the turns table is
-- rebuilt with the same columns and indexes; no table refers to it. The session total
-- (sessions.cost_usd) stays NOT NULL: it adds the costs that are known.

CREATE TABLE turns_v2 (
  turn_id                     TEXT PRIMARY KEY,
  session_id                  TEXT    NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
  status                      TEXT    NOT NULL,
  user_message_id             TEXT,
  assistant_message_id        TEXT,
  stop_reason                 TEXT,
  input_tokens                INTEGER NOT NULL DEFAULT 0,
  output_tokens               INTEGER NOT NULL DEFAULT 0,
  cache_creation_input_tokens INTEGER NOT NULL DEFAULT 0,
  cache_read_input_tokens     INTEGER NOT NULL DEFAULT 0,
  cost_usd                    REAL    DEFAULT 0,
  llm_calls                   INTEGER NOT NULL DEFAULT 0,
  tool_calls                  INTEGER NOT NULL DEFAULT 0,
  error_code                  TEXT,
  error_message               TEXT,
  engine_node                 TEXT,
  started_at                  TEXT    NOT NULL,
  finished_at                 TEXT,
  duration_ms                 INTEGER
);

INSERT INTO turns_v2 (turn_id, session_id, status, user_message_id, assistant_message_id, stop_reason, input_tokens,
    output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd, llm_calls, tool_calls, error_code,
    error_message, engine_node, started_at, finished_at, duration_ms)
  SELECT turn_id, session_id, status, user_message_id, assistant_message_id, stop_reason, input_tokens,
    output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd, llm_calls, tool_calls, error_code,
    error_message, engine_node, started_at, finished_at, duration_ms
  FROM turns;

DROP TABLE turns;
ALTER TABLE turns_v2 RENAME TO turns;
CREATE INDEX turns_by_session ON turns (session_id, started_at);
CREATE INDEX turns_by_status ON turns (status);
