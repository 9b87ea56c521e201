package agentx.store;

import static agentx.store.Rows.first;
import static agentx.store.Rows.lng;

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
 * The append-only event log: one row per envelope, keyed by (session_id, seq). The engine numbers
 * the events of its turns itself; an envelope that comes without {@code seq} is numbered here,
 * after the session's last event, under the session row lock, so numbers stay contiguous and
 * unique whatever the number of concurrent writers (store nodes sharing a PostgreSQL database).
 */
public final class EventRepository {
  private final Database db;

  public EventRepository(Database db) {
    this.db = db;
  }

  /**
   * Appends a batch of envelopes in one transaction (the engine's group commit) and answers them as
   * stored, each with its {@code seq}.
   */
  public Future<JsonArray> append(JsonArray envelopes) {
    if (envelopes.isEmpty()) {
      return Future.succeededFuture(new JsonArray());
    }
    List<JsonObject> numbered = new ArrayList<>();
    Map<String, List<JsonObject>> unnumbered = new LinkedHashMap<>();
    for (int i = 0; i < envelopes.size(); i++) {
      JsonObject e = envelopes.getJsonObject(i);
      if (e.getValue("seq") == null) {
        unnumbered.computeIfAbsent(e.getString("session_id"), k -> new ArrayList<>()).add(e);
      } else {
        numbered.add(e);
      }
    }
    return db.write(conn -> {
      Future<Void> chain = numbered.isEmpty()
          ? Future.succeededFuture()
          : conn.preparedQuery(Sql.INSERT_EVENT).executeBatch(rows(numbered)).mapEmpty();
      // sessions in a fixed order, so two batches that both number events never wait on each other crosswise
      for (String sessionId : unnumbered.keySet().stream().sorted().toList()) {
        chain = chain.compose(v -> appendNumbered(db, conn, sessionId, unnumbered.get(sessionId)).mapEmpty());
      }
      return chain.map(v -> envelopes);
    });
  }

  /**
   * Inside a write transaction: numbers {@code envelopes} of one session after its last event
   * (locking the session row first) and inserts them. Answers them with their {@code seq}.
   */
  static Future<JsonArray> appendNumbered(Database db, SqlConnection conn, String sessionId, List<JsonObject> envelopes) {
    return db.lockSession(conn, sessionId)
        .compose(count -> conn.preparedQuery(Sql.LAST_SEQ).execute(Params.of(sessionId)))
        .compose(rows -> {
          long last = first(rows) == null ? 0 : lng(first(rows), "seq");
          JsonArray out = new JsonArray();
          for (JsonObject e : envelopes) {
            out.add(e.put("seq", ++last));
          }
          return conn.preparedQuery(Sql.INSERT_EVENT).executeBatch(rows(envelopes)).map(r -> out);
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
  public Future<JsonObject> list(String sessionId, long after, int limit) {
    return db.reads().preparedQuery(Sql.LIST_EVENTS).execute(Params.of(sessionId, after, limit)).map(rows -> {
      JsonArray events = new JsonArray();
      long last = after;
      for (var row : rows) {
        JsonObject envelope = new JsonObject(row.getString("envelope"));
        events.add(envelope);
        last = envelope.getLong("seq");
      }
      return new JsonObject().put("events", events).put("next_after", last);
    });
  }

  public Future<Long> lastSeq(String sessionId) {
    return db.reads().preparedQuery(Sql.LAST_SEQ).execute(Params.of(sessionId)).map(rows -> {
      var row = first(rows);
      return row == null ? 0L : lng(row, "seq");
    });
  }
}
