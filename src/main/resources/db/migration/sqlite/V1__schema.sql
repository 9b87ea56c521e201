-- The whole schema of DESIGN §6. Later versions add columns; they never rewrite these tables.
-- Timestamps are ISO-8601 UTC text with millisecond precision, so text order is time order.

CREATE TABLE sessions (
  session_id                  TEXT PRIMARY KEY,
  user_id                     TEXT,
  title                       TEXT,
  state                       TEXT    NOT NULL DEFAULT 'idle',
  config                      TEXT    NOT NULL DEFAULT '{}',
  message_count               INTEGER NOT NULL DEFAULT 0,
  input_tokens                INTEGER NOT NULL DEFAULT 0,
  output_tokens               INTEGER NOT NULL DEFAULT 0,
  cache_creation_input_tokens INTEGER NOT NULL DEFAULT 0,
  cache_read_input_tokens     INTEGER NOT NULL DEFAULT 0,
  cost_usd                    REAL    NOT NULL DEFAULT 0,
  turn_count                  INTEGER NOT NULL DEFAULT 0,
  created_at                  TEXT    NOT NULL,
  updated_at                  TEXT    NOT NULL
);
CREATE INDEX sessions_by_update ON sessions (updated_at);
CREATE INDEX sessions_by_user ON sessions (user_id, updated_at);

CREATE TABLE messages (
  message_id    TEXT PRIMARY KEY,
  session_id    TEXT    NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
  position      INTEGER NOT NULL,
  turn_id       TEXT,
  role          TEXT    NOT NULL,
  content       TEXT    NOT NULL,
  blocks        TEXT    NOT NULL,
  tool_calls    TEXT    NOT NULL DEFAULT '[]',
  input_tokens  INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  stop_reason   TEXT,
  model         TEXT,
  created_at    TEXT    NOT NULL,
  UNIQUE (session_id, position)
);

CREATE TABLE turns (
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
  cost_usd                    REAL    NOT NULL DEFAULT 0,
  llm_calls                   INTEGER NOT NULL DEFAULT 0,
  tool_calls                  INTEGER NOT NULL DEFAULT 0,
  error_code                  TEXT,
  error_message               TEXT,
  engine_node                 TEXT,
  started_at                  TEXT    NOT NULL,
  finished_at                 TEXT,
  duration_ms                 INTEGER
);
CREATE INDEX turns_by_session ON turns (session_id, started_at);
CREATE INDEX turns_by_status ON turns (status);

CREATE TABLE events (
  session_id TEXT    NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,
  turn_id    TEXT,
  type       TEXT    NOT NULL,
  envelope   TEXT    NOT NULL,
  created_at TEXT    NOT NULL,
  PRIMARY KEY (session_id, seq)
);

CREATE TABLE workflows (
  session_id  TEXT    NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
  version     INTEGER NOT NULL,
  workflow    TEXT    NOT NULL,
  description TEXT,
  created_at  TEXT    NOT NULL,
  PRIMARY KEY (session_id, version)
);
