-- PostgreSQL only: the events table's foreign key to sessions goes. Every append already locks the rows of
-- its sessions (SELECT ... FOR UPDATE) and reads their last numbers before it inserts, which is where a
-- session that no longer exists is found (SESSION_NOT_FOUND); a session's delete takes the same row lock
-- before it removes the session's events, then the session. The key's check asked that question again for
-- every event, by a trigger per row: a third of PostgreSQL's CPU per appended event in the unpaced shape,
-- a quarter in the paced one (docs/PERFORMANCE.md, round thirty). Dropping a constraint rewrites nothing.
-- SQLite keeps its key (its check costs nothing measurable there, round nineteen; dropping it would mean
-- copying the table).
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_session_id_fkey;
