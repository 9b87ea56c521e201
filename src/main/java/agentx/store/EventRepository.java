package agentx.store;

import static agentx.store.Rows.first;
import static agentx.store.Rows.lng;

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
   * Numbers and appends a batch of envelopes (of one or several sessions) in one transaction and
   * answers them as stored, each with its {@code seq}, in the order given.
   */
  public Future<List<JsonObject>> append(List<JsonObject> envelopes) {
    if (envelopes.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Map<String, List<Integer>> bySession = new LinkedHashMap<>();
    for (int i = 0; i < envelopes.size(); i++) {
      bySession.computeIfAbsent(envelopes.get(i).getString("session_id"), k -> new ArrayList<>()).add(i);
    }
    return db.write(conn -> {
      JsonObject[] stored = new JsonObject[envelopes.size()];
      Future<Void> chain = Future.succeededFuture();
      // sessions in a fixed order, so two batches never wait on each other's session locks crosswise
      for (String sessionId : bySession.keySet().stream().sorted().toList()) {
        List<Integer> positions = bySession.get(sessionId);
        List<JsonObject> drafts = positions.stream().map(envelopes::get).toList();
        chain = chain.compose(v -> appendNumbered(db, conn, sessionId, drafts).map(numbered -> {
          for (int k = 0; k < positions.size(); k++) {
            stored[positions.get(k)] = numbered.get(k);
          }
          return null;
        }));
      }
      return chain.map(v -> List.of(stored));
    }).onSuccess(written -> db.metrics().eventBatch(written.size()));
  }

  /**
   * Inside a write transaction: numbers {@code envelopes} of one session after its last event
   * (locking the session row first) and inserts them. Answers copies with their {@code seq}; the
   * drafts themselves are not touched, so a transaction run again numbers them afresh.
   */
  static Future<List<JsonObject>> appendNumbered(Database db, SqlConnection conn, String sessionId, List<JsonObject> drafts) {
    return db.lockSession(conn, sessionId)
        .compose(count -> conn.preparedQuery(Sql.LAST_SEQ).execute(Params.of(sessionId)))
        .compose(rows -> {
          long last = first(rows) == null ? 0 : lng(first(rows), "seq");
          List<JsonObject> numbered = new ArrayList<>(drafts.size());
          for (JsonObject draft : drafts) {
            numbered.add(draft.copy().put("seq", ++last));
          }
          return conn.preparedQuery(Sql.INSERT_EVENT).executeBatch(rows(numbered)).map(r -> numbered);
        });
  }

  private static List<Tuple> rows(List<JsonObject> envelopes) {
    List<Tuple> batch = new ArrayList<>(envelopes.size());
    for (JsonObject e : envelopes) {
      batch.add(Params.of(e.getString("session_id"), e.getLong("seq"), e.getString("turn_id"), e.getString("type"),
          e.encode(), e.getString("timestamp")));
    }
    return batch;
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
