-- Issue 14: turns that outlive their engine, and human approval of tool calls.
-- A turn may now be 'awaiting_approval' (no engine holds it) or 'interrupted' (its engine died; the
-- next engine to claim it resumes it). request keeps what only the turn's request said (its own
-- system prompt), interruptions how often an engine died under it.
ALTER TABLE turns ADD COLUMN request TEXT;
ALTER TABLE turns ADD COLUMN interruptions BIGINT NOT NULL DEFAULT 0;

-- The tool calls of a turn that a resumed turn must not lose: every finished call with its result
-- (never run again), and every call that waits for, or got, a person's answer.
CREATE TABLE tool_calls (
  session_id   TEXT    NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
  turn_id      TEXT    NOT NULL,
  call_id      TEXT    NOT NULL,
  tool_name    TEXT    NOT NULL,
  input        TEXT    NOT NULL,
  state        TEXT    NOT NULL,
  result       TEXT,
  reason       TEXT,
  edited_input TEXT,
  requested_at TEXT    NOT NULL,
  expires_at   TEXT,
  answered_at  TEXT,
  PRIMARY KEY (turn_id, call_id)
);
CREATE INDEX tool_calls_by_session ON tool_calls (session_id, state);
CREATE INDEX tool_calls_by_expiry ON tool_calls (state, expires_at);
