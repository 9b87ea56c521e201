package agentx.store;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The last {@code seq} of the sessions this store appended to, remembered from one append to the next
 * on SQLite, so that an append need not ask the database for it (at 1,000 paced sessions that query,
 * one per append transaction of a token or two, was 7.6 % of the server's CPU; docs/PERFORMANCE.md,
 * round twelve). SQLite has one writer, this store's, and its writes take turns in {@link Database}'s
 * queue, so what the last committed append numbered is what the next one finds, unless a write in
 * between added or removed a session's events: those writes {@link #forget} it.
 *
 * <p>An entry is {@linkplain #take taken out} when an append starts and put back only once that append
 * is {@linkplain #committed committed}: an append that fails, is rolled back or runs again leaves the
 * session unknown, and the next one asks the database (which also tells a session that no longer
 * exists). So a wrong number can come only from a writer outside this store (another process on the
 * same file), and then the primary key refuses the row, the append fails and the session is asked again
 * next time; numbers are never reused or skipped. On PostgreSQL, where several store nodes may append
 * to one session, nothing is remembered.
 *
 * <p>It also remembers each session's {@code session_key}, the integer the events table is keyed by: a session
 * keeps its key for its whole life, so a key read in any transaction, even one rolled back, stays true
 * until the session is removed ({@link #forget}).
 */
final class LastSeqs {
  /** Sessions remembered at most; past that the memory is cleared (each is asked once again). */
  static final int MAX_SESSIONS = 50_000;

  private final ConcurrentHashMap<String, Long> known;
  private final ConcurrentHashMap<String, Long> keys;

  private LastSeqs(boolean enabled) {
    this.known = enabled ? new ConcurrentHashMap<>() : null;
    this.keys = enabled ? new ConcurrentHashMap<>() : null;
  }

  /** For SQLite, whose one writer is this store's. */
  static LastSeqs remembered() {
    return new LastSeqs(true);
  }

  /** For a database with other writers: every append asks. */
  static LastSeqs none() {
    return new LastSeqs(false);
  }

  /** The session's last number as this store committed it, removed until the append that takes it commits; null when unknown. */
  Long take(String sessionId) {
    return known == null ? null : known.remove(sessionId);
  }

  /** The session's {@code session_key}, when remembered; null when unknown. */
  Long key(String sessionId) {
    return keys == null ? null : keys.get(sessionId);
  }

  /** The session's {@code session_key}, as read from the database. */
  void key(String sessionId, long key) {
    remember(keys, sessionId, key);
  }

  /** After a commit: {@code seq} is now the session's last number. */
  void committed(String sessionId, long seq) {
    remember(known, sessionId, seq);
  }

  /** Puts the session's value in {@code map} (none when nothing is remembered); past {@link #MAX_SESSIONS} it starts over. */
  private static void remember(ConcurrentHashMap<String, Long> map, String sessionId, long value) {
    if (map == null) {
      return;
    }
    if (map.size() >= MAX_SESSIONS && !map.containsKey(sessionId)) {
      map.clear();
    }
    map.put(sessionId, value);
  }

  /** A write other than an append changed the session's events (or removed the session): ask next time. */
  void forget(String sessionId) {
    if (known != null) {
      known.remove(sessionId);
      keys.remove(sessionId);
    }
  }

  /** For tests: whether the session's last number is remembered. */
  boolean knows(String sessionId) {
    return known != null && known.containsKey(sessionId);
  }
}
