-- Issue 10: the events table keyed by a small integer per session instead of its 36-character id, and
-- without the turn_id and created_at columns that repeated what the envelope holds (no query read them),
-- as on SQLite (its V4, where the bytes of each row are what its one writer spends most on;
-- docs/PERFORMANCE.md, round thirty-four). Same table on both, so one set of statements reads and
-- writes it. The envelope is stored as before, whole. No foreign key (V4 above): the append's row lock on
-- its sessions checks they exist, and a session's delete removes its events first.
--
-- Every session gets a key from a sequence, the existing ones in creation order; the events are copied
-- once into the new table.

CREATE SEQUENCE sessions_session_key_seq;
ALTER TABLE sessions ADD COLUMN session_key BIGINT;
UPDATE sessions s SET session_key = k.key
  FROM (SELECT session_id, nextval('sessions_session_key_seq') AS key FROM
          (SELECT session_id FROM sessions ORDER BY created_at, session_id) ordered) k
  WHERE s.session_id = k.session_id;
ALTER TABLE sessions ALTER COLUMN session_key SET DEFAULT nextval('sessions_session_key_seq');
ALTER TABLE sessions ALTER COLUMN session_key SET NOT NULL;
ALTER SEQUENCE sessions_session_key_seq OWNED BY sessions.session_key;
CREATE UNIQUE INDEX sessions_by_key ON sessions (session_key);

CREATE TABLE events_v5 (
  session_key BIGINT NOT NULL,
  seq         BIGINT NOT NULL,
  type        TEXT   NOT NULL,
  envelope    TEXT   NOT NULL,
  PRIMARY KEY (session_key, seq)
);

INSERT INTO events_v5 (session_key, seq, type, envelope)
  SELECT s.session_key, e.seq, e.type, e.envelope FROM events e JOIN sessions s ON s.session_id = e.session_id
  ORDER BY s.session_key, e.seq;

DROP TABLE events;
ALTER TABLE events_v5 RENAME TO events;
ALTER TABLE events RENAME CONSTRAINT events_v5_pkey TO events_pkey;
