package agentx.store;

import static agentx.store.Rows.first;
import static agentx.store.Rows.lng;

import agentx.events.Events;
import agentx.events.JsonText;
import agentx.protocol.EventPage;
import agentx.protocol.EventQuery;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The append-only event log: one row per envelope, keyed by (session_id, seq). The store is the only
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

  /**
   * Numbers and appends a batch of envelopes (of one or several sessions; JSON text without
   * {@code seq}) in one transaction and answers them as stored, each with its {@code seq}, as the
   * JSON text written to its row, in the order given.
   */
  public Future<List<String>> append(List<String> envelopes) {
    if (envelopes.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Map<String, List<Integer>> bySession = new LinkedHashMap<>();
    try {
      for (int i = 0; i < envelopes.size(); i++) {
        bySession.computeIfAbsent(sessionOf(envelopes.get(i)), k -> new ArrayList<>()).add(i);
      }
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    List<String> sessionIds = bySession.keySet().stream().sorted().toList();
    // Three statements for the whole group, whatever the number of sessions in it: lock them all (in
    // a fixed order, so two store nodes never wait on each other crosswise), read their last numbers
    // (after the locks, so no concurrent writer can have added one since), insert every row.
    return db.write(conn -> lockSessions(conn, sessionIds)
        .compose(v -> lastSeqs(conn, sessionIds))
        .compose(last -> {
          String[] stored = new String[envelopes.size()];
          List<Tuple> batch = new ArrayList<>(envelopes.size());
          for (String sessionId : sessionIds) {
            long seq = last.getOrDefault(sessionId, 0L);
            for (int position : bySession.get(sessionId)) {
              stored[position] = numbered(sessionId, envelopes.get(position), ++seq, batch);
            }
          }
          return conn.preparedQuery(Sql.INSERT_EVENT).executeBatch(batch).map(r -> List.of(stored));
        })).onSuccess(written -> db.metrics().eventBatch(written.size()));
  }

  private Future<Void> lockSessions(SqlConnection conn, List<String> sessionIds) {
    String sql = db.dialect().forUpdate("SELECT session_id FROM sessions WHERE session_id IN (" + placeholders(sessionIds.size())
        + ") ORDER BY session_id");
    return conn.preparedQuery(sql).execute(Params.of(sessionIds.toArray())).compose(rows -> {
      if (rows.size() == sessionIds.size()) {
        return Future.succeededFuture();
      }
      java.util.Set<String> found = new java.util.HashSet<>();
      rows.forEach(row -> found.add(row.getString("session_id")));
      String missing = sessionIds.stream().filter(id -> !found.contains(id)).findFirst().orElse(sessionIds.get(0));
      return Future.failedFuture(SessionRepository.notFound(missing));
    });
  }

  private static Future<Map<String, Long>> lastSeqs(SqlConnection conn, List<String> sessionIds) {
    String sql = "SELECT s.session_id AS session_id, (SELECT MAX(e.seq) FROM events e WHERE e.session_id = s.session_id) AS seq"
        + " FROM sessions s WHERE s.session_id IN (" + placeholders(sessionIds.size()) + ")";
    return conn.preparedQuery(sql).execute(Params.of(sessionIds.toArray())).map(rows -> {
      Map<String, Long> last = new java.util.HashMap<>();
      rows.forEach(row -> {
        Object seq = row.getValue("seq");
        last.put(row.getString("session_id"), seq instanceof Number n ? n.longValue() : 0L);
      });
      return last;
    });
  }

  private static String placeholders(int n) {
    return String.join(", ", java.util.Collections.nCopies(n, "?"));
  }

  /** The draft with its {@code seq} in the text, its row added to {@code batch}. */
  private static String numbered(String sessionId, String draft, long seq, List<Tuple> batch) {
    int[] at = JsonText.valuesOf(draft, "turn_id", "type", "timestamp", "seq");
    String envelope = at[3] >= 0 ? Events.withSeqAt(draft, at[3], seq) : Events.withSeq(draft, seq);
    batch.add(Params.of(sessionId, seq, JsonText.stringAt(draft, at[0]), JsonText.stringAt(draft, at[1]),
        envelope, JsonText.stringAt(draft, at[2])));
    return envelope;
  }

  private static String sessionOf(String envelope) {
    String sessionId = JsonText.string(envelope, "session_id");
    if (sessionId == null) {
      throw new IllegalArgumentException("An event envelope without a session_id: " + envelope);
    }
    return sessionId;
  }

  /**
   * Inside a write transaction: numbers {@code drafts} of one session after its last event (locking
   * the session row first) and inserts them. Answers them as stored (parsed); the drafts themselves
   * are not touched, so a transaction run again numbers them afresh.
   */
  static Future<List<JsonObject>> appendNumbered(Database db, SqlConnection conn, String sessionId, List<JsonObject> drafts) {
    return appendEncoded(db, conn, sessionId, drafts.stream().map(JsonObject::encode).toList())
        .map(stored -> stored.stream().map(JsonObject::new).toList());
  }

  /**
   * {@link #appendNumbered} for envelopes as JSON text: each is given its {@code seq} in the text
   * and that text is what the row stores and what the caller gets back to publish, so an envelope
   * is encoded once on its way from the engine to every client.
   */
  static Future<List<String>> appendEncoded(Database db, SqlConnection conn, String sessionId, List<String> drafts) {
    return db.lockSession(conn, sessionId)
        .compose(count -> conn.preparedQuery(Sql.LAST_SEQ).execute(Params.of(sessionId)))
        .compose(rows -> {
          long last = first(rows) == null ? 0 : lng(first(rows), "seq");
          List<String> numbered = new ArrayList<>(drafts.size());
          List<Tuple> batch = new ArrayList<>(drafts.size());
          for (String draft : drafts) {
            numbered.add(numbered(sessionId, draft, ++last, batch));
          }
          return conn.preparedQuery(Sql.INSERT_EVENT).executeBatch(batch).map(r -> numbered);
        });
  }

  /** Envelopes with {@code seq > after}, oldest first, at most {@code limit}. */
  public Future<EventPage> list(EventQuery query) {
    return db.reads().preparedQuery(Sql.LIST_EVENTS).execute(Params.of(query.sessionId(), query.after(), query.limit())).map(rows -> {
      JsonArray events = new JsonArray();
      long last = query.after();
      for (var row : rows) {
        JsonObject envelope = new JsonObject(row.getString("envelope"));
        events.add(envelope);
        last = envelope.getLong("seq");
      }
      return new EventPage(events, last);
    });
  }
}
