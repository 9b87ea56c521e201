package agentx.store;

import static agentx.store.Rows.first;
import static agentx.store.Rows.lng;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/** The append-only event log: one row per envelope, keyed by (session_id, seq). */
public final class EventRepository {
  private final Database db;

  public EventRepository(Database db) {
    this.db = db;
  }

  /** Appends a batch of envelopes in one transaction (the engine's group commit). */
  public Future<Integer> append(JsonArray envelopes) {
    if (envelopes.isEmpty()) {
      return Future.succeededFuture(0);
    }
    List<Tuple> batch = new ArrayList<>(envelopes.size());
    for (int i = 0; i < envelopes.size(); i++) {
      JsonObject e = envelopes.getJsonObject(i);
      batch.add(Tuple.of(e.getString("session_id"), e.getLong("seq"), e.getString("turn_id"), e.getString("type"),
          e.encode(), e.getString("timestamp")));
    }
    return db.write(conn -> conn.preparedQuery(Sql.INSERT_EVENT).executeBatch(batch)).map(r -> batch.size());
  }

  /** Envelopes with {@code seq > after}, oldest first, at most {@code limit}. */
  public Future<JsonObject> list(String sessionId, long after, int limit) {
    return db.reads().preparedQuery(Sql.LIST_EVENTS).execute(Tuple.of(sessionId, after, limit)).map(rows -> {
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
    return db.reads().preparedQuery(Sql.LAST_SEQ).execute(Tuple.of(sessionId)).map(rows -> {
      var row = first(rows);
      return row == null ? 0L : lng(row, "seq");
    });
  }
}
