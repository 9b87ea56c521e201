package agentx.store;

import agentx.events.Events;
import agentx.events.JsonText;
import agentx.protocol.EventPage;
import agentx.protocol.EventQuery;
import agentx.protocol.TurnProgress;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The append-only event log: one row per envelope, keyed by (session_key, seq): the session's integer key
 * ({@code sessions.session_key}), its number, its type and its envelope as every subscriber gets it. The store is the only
 * place that numbers events: each session's envelopes get the numbers after its last event, under
 * the session row lock, so numbers stay contiguous and unique whatever the number of concurrent
 * writers (store nodes sharing a PostgreSQL database), and a batch that fails to commit hands out no
 * number at all.
 */
public final class EventRepository {
  private final Database db;

  public EventRepository(Database db) {
    this.db = db;
  }

  /** An envelope as stored: its session, its number and its text (with that number in it). */
  public record Appended(String sessionId, long seq, String envelope) {}

  /**
   * Numbers and appends a batch of envelopes (of one or several sessions; JSON text without
   * {@code seq}) in one transaction and answers them as stored, in the order given.
   */
  public Future<List<Appended>> append(List<String> envelopes) {
    return append(envelopes, stored -> { });
  }

  /**
   * {@link #append(List)}, telling {@code committed} the envelopes as stored as soon as their
   * transaction is committed, on the thread that wrote them (before the returned future completes).
   */
  public Future<List<Appended>> append(List<String> envelopes, Consumer<List<Appended>> committed) {
    return append(envelopes, List.of(), committed);
  }

  /**
   * {@link #append(List, Consumer)}, recording in the same transaction the figures of running turns whose Claude
   * call has just started, streams, or was cut off by their engine's stop ({@link TurnRepository#progressIfAhead}):
   * an engine that dies or stops before the call ends leaves them for the engine that resumes the turn, at the cost
   * of a statement, not of a transaction.
   */
  public Future<List<Appended>> append(List<String> envelopes, List<TurnProgress> progress, Consumer<List<Appended>> committed) {
    if (envelopes.isEmpty() && progress.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return db.writeEvents(jdbc -> {
      List<Appended> appended = envelopes.isEmpty() ? List.of() : append(jdbc, envelopes);
      for (TurnProgress started : progress) {
        TurnRepository.progressIfAhead(jdbc, started);
      }
      return appended;
    }, written -> {
      for (Appended event : written) {
        db.lastSeqs().committed(event.sessionId(), event.seq()); // in order: a session's last one is its highest
      }
      committed.accept(written);
    }).onSuccess(written -> {
      if (!written.isEmpty()) {
        db.metrics().eventBatch(written.size());
      }
    });
  }

  /**
   * Three steps for the whole group, whatever the number of sessions in it: lock them all (in a
   * fixed order, so two store nodes never wait on each other crosswise), read their keys and last numbers
   * (after the locks, so no concurrent writer can have added one since; a session that does not exist
   * has none, and fails the group), insert every row (PostgreSQL: one batch; SQLite: multi-row
   * statements, {@link #insertInRuns}). On SQLite, whose one writer already serializes
   * the transactions and which has no row locks, the first is left out, and the second asks only for
   * the sessions whose last number the store does not remember from its last append ({@link LastSeqs}):
   * at a token or two per append, that is most appends with no query at all. On PostgreSQL the lock and the
   * read are also all that checks the sessions exist: its {@code events} table has no foreign key (migrations
   * V4, V5), whose trigger asked that again for every row, and a session's delete takes the same lock before it
   * removes the session's events and then the session. Blocking.
   */
  private List<Appended> append(Connection jdbc, List<String> envelopes) throws SQLException {
    int n = envelopes.size();
    Draft[] drafts = new Draft[n];
    Map<String, List<Integer>> bySession = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      drafts[i] = Draft.of(envelopes.get(i), i == 0 ? null : drafts[i - 1]);
      if (drafts[i].sessionId() == null) {
        throw new IllegalArgumentException("An event envelope without a session_id: " + envelopes.get(i));
      }
      bySession.computeIfAbsent(drafts[i].sessionId(), k -> new ArrayList<>()).add(i);
    }
    List<String> sessionIds = new ArrayList<>(bySession.keySet());
    Map<String, Last> last = new HashMap<>();
    List<String> unknown = new ArrayList<>(sessionIds.size());
    for (String sessionId : sessionIds) {
      Long known = db.lastSeqs().take(sessionId);
      Long key = db.lastSeqs().key(sessionId);
      if (known != null && key != null) {
        last.put(sessionId, new Last(key, known));
      } else {
        unknown.add(sessionId);
      }
    }
    if (!unknown.isEmpty()) {
      if (db.dialect() != Dialect.SQLITE) {
        lockSessions(jdbc, unknown);
      }
      Map<String, Last> found = lastSeqs(jdbc, unknown);
      if (found.size() != unknown.size()) {
        throw SessionRepository.notFound(unknown.stream().filter(id -> !found.containsKey(id)).findFirst().orElseThrow());
      }
      found.forEach((sessionId, row) -> db.lastSeqs().key(sessionId, row.key()));
      last.putAll(found);
    }
    Appended[] stored = new Appended[n];
    long[] keys = new long[n];
    int[] order = new int[n]; // the rows in the order they are inserted: session by session, each in its order
    int k = 0;
    for (String sessionId : sessionIds) {
      Last before = last.get(sessionId);
      long seq = before.seq();
      for (int i : bySession.get(sessionId)) {
        seq++;
        stored[i] = new Appended(sessionId, seq, drafts[i].numbered(seq));
        keys[i] = before.key();
        order[k++] = i;
      }
    }
    if (db.dialect() == Dialect.SQLITE) {
      insertInRuns(jdbc, order, keys, drafts, stored);
    } else {
      insertBatched(jdbc, order, keys, drafts, stored);
    }
    return List.of(stored);
  }

  /** A session's key in the events table and its last event number (0 for none) before an append. */
  private record Last(long key, long seq) {}

  /**
   * SQLite: the rows in multi-row {@code INSERT}s of up to {@link Sql#MAX_EVENT_ROWS} rows, the largest power of two
   * that fits first (a group of 37 rows is three statements: 32, 4, 1). Each statement SQLite runs costs its
   * execution (its cursors opened, positioned and closed; the driver's calls around it) whatever its rows; its
   * driver runs a JDBC batch as one execution per row. Measured alone ({@code StoreAppendBenchmark}, round thirty-two
   * in docs/PERFORMANCE.md), the unpaced shape: 5.0–5.6 µs of CPU per event row by row, 4.5–4.7 in these statements.
   * They are kept open ({@link StatementCache}), six texts in all.
   */
  private static void insertInRuns(Connection jdbc, int[] order, long[] keys, Draft[] drafts, Appended[] stored) throws SQLException {
    int from = 0;
    while (from < order.length) {
      int rows = Integer.highestOneBit(Math.min(order.length - from, Sql.MAX_EVENT_ROWS));
      String sql = Sql.insertEvents(rows);
      PreparedStatement insert = StatementCache.prepare(jdbc, sql);
      try {
        for (int r = 0; r < rows; r++) {
          int i = order[from + r];
          bind(insert, Sql.EVENT_COLUMNS * r, keys[i], drafts[i], stored[i]);
        }
        insert.executeUpdate();
      } finally {
        StatementCache.release(jdbc, sql, insert);
      }
      from += rows;
    }
  }

  /** PostgreSQL: one batch of one-row statements, which its driver sends as multi-row {@code INSERT}s ({@code reWriteBatchedInserts}). */
  private static void insertBatched(Connection jdbc, int[] order, long[] keys, Draft[] drafts, Appended[] stored) throws SQLException {
    PreparedStatement insert = StatementCache.prepare(jdbc, Sql.INSERT_EVENT);
    try {
      for (int i : order) {
        bind(insert, 0, keys[i], drafts[i], stored[i]);
        insert.addBatch();
      }
      insert.executeBatch();
    } catch (SQLException | RuntimeException e) {
      insert.clearBatch(); // a kept statement must not carry this batch's rows into the next one
      throw e;
    } finally {
      StatementCache.release(jdbc, Sql.INSERT_EVENT, insert);
    }
  }

  /** One row's {@value Sql#EVENT_COLUMNS} values, from parameter {@code offset + 1} on, in {@link Sql#INSERT_EVENT}'s order. */
  private static void bind(PreparedStatement insert, int offset, long key, Draft draft, Appended row) throws SQLException {
    insert.setLong(offset + 1, key);
    insert.setLong(offset + 2, row.seq());
    insert.setString(offset + 3, draft.type());
    insert.setString(offset + 4, row.envelope());
  }

  /** What a row needs from a draft's text, read in one pass that stops before its data. */
  private record Draft(String text, String sessionId, String type, int seqAt) {
    private static final String[] KEYS = {"session_id", "type", "seq"};

    /**
     * @param previous the draft before it in the group, or null: a group's drafts mostly share their session and type,
     *     and a value the text repeats is that draft's string, not a copy of it. The group is read on the store's one
     *     write path, so what it need not allocate it does not.
     */
    static Draft of(String text, Draft previous) {
      int[] at = JsonText.valuesOf(text, KEYS);
      boolean first = previous == null;
      return new Draft(text, same(text, at[0], first ? null : previous.sessionId), same(text, at[1], first ? null : previous.type), at[2]);
    }

    /** The string value at {@code at}: {@code known} (when not null) if the text spells exactly it, without escapes; else read from the text. */
    private static String same(String text, int at, String known) {
      int end = at + 1 + (known == null ? 0 : known.length());
      if (known != null && at >= 0 && end < text.length() && text.charAt(at) == '"' && text.charAt(end) == '"'
          && text.startsWith(known, at + 1) && known.indexOf('\\') < 0) {
        return known;
      }
      return JsonText.stringAt(text, at);
    }

    /** The envelope as stored: the draft's text with {@code seq} in it. */
    String numbered(long seq) {
      return seqAt >= 0 ? Events.withSeqAt(text, seqAt, seq) : Events.withSeq(text, seq);
    }
  }

  /** Locks the sessions' rows until the transaction ends; which of them exist, {@link #lastSeqs} tells. */
  private void lockSessions(Connection jdbc, List<String> sessionIds) throws SQLException {
    String sql = db.dialect().forUpdate("SELECT session_id FROM sessions WHERE session_id IN (" + placeholders(sessionIds.size())
        + ") ORDER BY session_id");
    Jdbc.list(jdbc, sql, row -> row.getString(1), sessionIds.toArray());
  }

  /** The key and last {@code seq} of each of the sessions that exist (0 for one without events); the others are absent. */
  private static Map<String, Last> lastSeqs(Connection jdbc, List<String> sessionIds) throws SQLException {
    String sql = "SELECT s.session_id, s.session_key, (SELECT MAX(e.seq) FROM events e WHERE e.session_key = s.session_key)"
        + " FROM sessions s WHERE s.session_id IN (" + placeholders(sessionIds.size()) + ")";
    Map<String, Last> last = new HashMap<>();
    for (Map.Entry<String, Last> row : Jdbc.list(jdbc, sql,
        row -> Map.entry(row.getString(1), new Last(row.getLong(2), row.getLong(3))), sessionIds.toArray())) {
      last.put(row.getKey(), row.getValue());
    }
    return last;
  }

  private static String placeholders(int n) {
    return String.join(", ", java.util.Collections.nCopies(n, "?"));
  }

  /**
   * Inside another write transaction (a workflow saved, a turn parked or closed, an approval
   * answered): numbers {@code drafts} of one session after its last event and inserts them, the way
   * every append does ({@link #append(Connection, List)}). The session's remembered number is taken
   * and not put back, so the next append asks the database. Answers the envelopes as stored (parsed);
   * the drafts themselves are not touched, so a transaction run again numbers them afresh. Blocking.
   */
  static List<JsonObject> appendNumbered(Database db, Connection jdbc, List<JsonObject> drafts) throws SQLException {
    List<Appended> stored = new EventRepository(db).append(jdbc, drafts.stream().map(JsonObject::encode).toList());
    List<JsonObject> out = new ArrayList<>(stored.size());
    for (Appended event : stored) {
      out.add(new JsonObject(event.envelope()));
    }
    return out;
  }

  /**
   * Envelopes with {@code seq > after}, oldest first, at most {@code limit}: their stored texts, not
   * parsed (a replay hands them to clients as they are), read with plain JDBC.
   */
  public Future<EventPage> list(EventQuery query) {
    return db.readJdbc(jdbc -> {
      long[] last = {query.after()};
      List<String> envelopes = Jdbc.list(jdbc, Sql.LIST_EVENTS, row -> {
        last[0] = row.getLong(1); // in seq order: the last row read is the page's highest
        return row.getString(2);
      }, query.sessionId(), query.after(), query.limit());
      return new EventPage(envelopes, last[0]);
    });
  }
}
