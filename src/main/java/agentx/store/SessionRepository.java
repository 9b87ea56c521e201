package agentx.store;

import static agentx.store.Rows.count;
import static agentx.store.Rows.dbl;
import static agentx.store.Rows.first;
import static agentx.store.Rows.jsonArray;
import static agentx.store.Rows.jsonObject;
import static agentx.store.Rows.lng;
import static agentx.store.Rows.str;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.events.Events;
import agentx.events.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Sessions, their messages and their turns. Answers in the wire shapes of DESIGN §4.1. */
public final class SessionRepository {
  private final Database db;

  public SessionRepository(Database db) {
    this.db = db;
  }

  public Future<JsonObject> create(String userId, String title, JsonObject config) {
    String id = UUID.randomUUID().toString();
    String now = Times.now();
    return db.write(conn -> conn.preparedQuery(Sql.INSERT_SESSION)
            .execute(Params.of(id, userId, title, config.encode(), now, now))
            .compose(done -> find(conn, id)));
  }

  public Future<JsonObject> get(String sessionId) {
    return find(db.reads(), sessionId);
  }

  private Future<JsonObject> find(SqlClient client, String sessionId) {
    return client.preparedQuery(Sql.SELECT_SESSION).execute(Params.of(sessionId)).map(rows -> {
      Row row = first(rows);
      if (row == null) {
        throw notFound(sessionId);
      }
      return sessionJson(row);
    });
  }

  public Future<JsonObject> list(String userId, int limit, int offset) {
    Future<Long> total;
    Future<List<JsonObject>> page;
    if (userId == null) {
      total = db.reads().preparedQuery(Sql.COUNT_SESSIONS).execute().map(Rows::count);
      page = db.reads().preparedQuery(Sql.LIST_SESSIONS).execute(Params.of(limit, offset)).map(SessionRepository::sessions);
    } else {
      total = db.reads().preparedQuery(Sql.COUNT_USER_SESSIONS).execute(Params.of(userId)).map(Rows::count);
      page = db.reads().preparedQuery(Sql.LIST_USER_SESSIONS).execute(Params.of(userId, limit, offset)).map(SessionRepository::sessions);
    }
    return Future.all(total, page).map(all -> new JsonObject()
        .put("sessions", new JsonArray(page.result()))
        .put("total", total.result())
        .put("offset", offset)
        .put("limit", limit));
  }

  private static List<JsonObject> sessions(Iterable<Row> rows) {
    List<JsonObject> out = new ArrayList<>();
    rows.forEach(row -> out.add(sessionJson(row)));
    return out;
  }

  /** Applies the fields present in {@code changes} ({@code title}, {@code config}); a null title clears it. */
  public Future<JsonObject> update(String sessionId, JsonObject changes) {
    return db.write(conn -> find(conn, sessionId).compose(current -> {
      String title = changes.containsKey("title") ? changes.getString("title") : current.getString("title");
      JsonObject config = changes.containsKey("config") ? changes.getJsonObject("config", new JsonObject()) : current.getJsonObject("config");
      return conn.preparedQuery(Sql.UPDATE_SESSION)
          .execute(Params.of(title, config.encode(), Times.now(), sessionId))
          .compose(done -> find(conn, sessionId));
    }));
  }

  /** Removes the session and its rows in every table. */
  public Future<Void> delete(String sessionId) {
    return db.write(conn -> {
      Tuple id = Params.of(sessionId);
      // the session row first, like every writer of the session: no deadlock with a concurrent append
      return db.lockSession(conn, sessionId)
          .compose(r -> conn.preparedQuery(Sql.DELETE_SESSION_EVENTS).execute(id))
          .compose(r -> conn.preparedQuery(Sql.DELETE_SESSION_WORKFLOWS).execute(id))
          .compose(r -> conn.preparedQuery(Sql.DELETE_SESSION_TURNS).execute(id))
          .compose(r -> conn.preparedQuery(Sql.DELETE_SESSION_MESSAGES).execute(id))
          .compose(r -> conn.preparedQuery(Sql.DELETE_SESSION).execute(id))
          .map(r -> {
            if (r.rowCount() == 0) {
              throw notFound(sessionId);
            }
            return null;
          });
    });
  }

  public Future<Void> setState(String sessionId, String state) {
    return db.write(conn -> conn.preparedQuery(Sql.SET_SESSION_STATE).execute(Params.of(state, Times.now(), sessionId))
        .map(r -> {
          if (r.rowCount() == 0) {
            throw notFound(sessionId);
          }
          return null;
        }));
  }

  /**
   * Appends one message at the end of the session's conversation. {@code message} carries
   * {@code message_id, session_id, turn_id, role, content, blocks, tool_calls, input_tokens,
   * output_tokens, stop_reason, model, timestamp}.
   */
  public Future<JsonObject> appendMessage(JsonObject message) {
    String sessionId = message.getString("session_id");
    return db.write(conn -> db.lockSession(conn, sessionId).compose(count -> {
      long position = count + 1;
      String timestamp = message.getString("timestamp", Times.now());
      Tuple values = Params.of(
          message.getString("message_id"),
          sessionId,
          position,
          message.getString("turn_id"),
          message.getString("role"),
          message.getString("content", ""),
          message.getJsonArray("blocks", new JsonArray()).encode(),
          message.getJsonArray("tool_calls", new JsonArray()).encode(),
          message.getLong("input_tokens", 0L),
          message.getLong("output_tokens", 0L),
          message.getString("stop_reason"),
          message.getString("model"),
          timestamp);
      return conn.preparedQuery(Sql.INSERT_MESSAGE).execute(values)
          .compose(done -> conn.preparedQuery(Sql.BUMP_MESSAGE_COUNT).execute(Params.of(position, timestamp, sessionId)))
          .map(done -> new JsonObject().put("position", position));
    }));
  }

  public Future<JsonObject> listMessages(String sessionId, int limit, int offset) {
    return get(sessionId).compose(session -> {
      Future<Long> total = db.reads().preparedQuery(Sql.COUNT_MESSAGES).execute(Params.of(sessionId)).map(Rows::count);
      Future<JsonArray> page = db.reads().preparedQuery(Sql.LIST_MESSAGES).execute(Params.of(sessionId, limit, offset))
          .map(rows -> {
            JsonArray out = new JsonArray();
            rows.forEach(row -> out.add(messageJson(row)));
            return out;
          });
      return Future.all(total, page).map(all -> new JsonObject()
          .put("messages", page.result())
          .put("total", total.result())
          .put("offset", offset)
          .put("limit", limit));
    });
  }

  /** The conversation as the engine needs it: {@code [{role, blocks, turn_id, stop_reason, turn_status}]}, oldest first. */
  public Future<JsonArray> history(String sessionId) {
    return db.reads().preparedQuery(Sql.HISTORY).execute(Params.of(sessionId)).map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(row -> out.add(new JsonObject()
          .put("role", str(row, "role"))
          .put("blocks", jsonArray(row, "blocks"))
          .put("turn_id", str(row, "turn_id"))
          .put("stop_reason", str(row, "stop_reason"))
          .put("turn_status", str(row, "status"))));
      return out;
    });
  }

  /** Records a running turn and marks the session {@code processing}. */
  public Future<Void> beginTurn(JsonObject turn) {
    String sessionId = turn.getString("session_id");
    String now = turn.getString("started_at", Times.now());
    return db.write(conn -> conn.preparedQuery(Sql.SET_SESSION_STATE).execute(Params.of("processing", now, sessionId))
        .compose(r -> {
          if (r.rowCount() == 0) {
            throw notFound(sessionId);
          }
          return conn.preparedQuery(Sql.INSERT_TURN).execute(Params.of(turn.getString("turn_id"), sessionId,
              turn.getString("user_message_id"), turn.getString("engine_node"), now));
        })
        .mapEmpty());
  }

  /** Closes a turn with its summary (the {@code turn} event's data) and puts the session back to {@code session_state}. */
  public Future<Void> finishTurn(JsonObject summary) {
    String sessionId = summary.getString("session_id");
    String now = Times.now();
    Tuple turn = Params.of(
        summary.getString("status"),
        summary.getString("assistant_message_id"),
        summary.getString("stop_reason"),
        summary.getLong("input_tokens", 0L),
        summary.getLong("output_tokens", 0L),
        summary.getLong("cache_creation_input_tokens", 0L),
        summary.getLong("cache_read_input_tokens", 0L),
        summary.getDouble("cost_usd", 0.0),
        summary.getLong("llm_calls", 0L),
        summary.getLong("tool_calls", 0L),
        summary.getString("error_code"),
        summary.getString("error_message"),
        now,
        summary.getLong("duration_ms", 0L),
        summary.getString("turn_id"));
    Tuple usage = Params.of(
        summary.getString("session_state", "idle"),
        summary.getLong("input_tokens", 0L),
        summary.getLong("output_tokens", 0L),
        summary.getLong("cache_creation_input_tokens", 0L),
        summary.getLong("cache_read_input_tokens", 0L),
        summary.getDouble("cost_usd", 0.0),
        now,
        sessionId);
    return db.write(conn -> conn.preparedQuery(Sql.FINISH_TURN).execute(turn)
        .compose(r -> conn.preparedQuery(Sql.ADD_SESSION_USAGE).execute(usage))
        .mapEmpty());
  }

  /** Turns still marked running: {@code [{turn_id, session_id, user_message_id, engine_node, started_at}]}. */
  public Future<JsonArray> runningTurns() {
    return db.reads().preparedQuery(Sql.RUNNING_TURNS).execute().map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(row -> out.add(new JsonObject()
          .put("turn_id", str(row, "turn_id"))
          .put("session_id", str(row, "session_id"))
          .put("user_message_id", str(row, "user_message_id"))
          .put("engine_node", str(row, "engine_node"))
          .put("started_at", str(row, "started_at"))));
      return out;
    });
  }

  /**
   * Closes a turn that was left running (its engine died or the server stopped) as failed, in one
   * transaction: the turn row, the session state, and the {@code state error} + {@code turn} events
   * a client would have seen, numbered after the session's last event. Answers those two envelopes,
   * or an empty array when the turn was no longer running (someone else closed it first).
   */
  public Future<JsonArray> failRunningTurn(JsonObject turn, ErrorCode code, String reason) {
    String sessionId = turn.getString("session_id");
    String turnId = turn.getString("turn_id");
    String now = Times.now();
    return db.write(conn -> conn.preparedQuery(Sql.MARK_TURN_FAILED).execute(Params.of(code.name(), reason, now, turnId))
        .compose(updated -> {
          if (updated.rowCount() == 0) {
            return Future.succeededFuture(new JsonArray());
          }
          JsonObject summary = new JsonObject()
              .put("turn_id", turnId)
              .put("user_message_id", turn.getString("user_message_id"))
              .put("assistant_message_id", null)
              .put("total_tokens", 0)
              .put("duration_ms", 0)
              .put("status", "failed")
              .put("stop_reason", "error")
              .put("error_code", code.name())
              .put("error_message", reason);
          List<JsonObject> closing = List.of(
              Events.envelope(Events.STATE, sessionId, turnId, 0, Events.errorState(code, reason)),
              Events.envelope(Events.TURN, sessionId, turnId, 0, summary));
          return EventRepository.appendNumbered(db, conn, sessionId, closing)
              .compose(envelopes -> conn.preparedQuery(Sql.SET_SESSION_STATE).execute(Params.of("idle", now, sessionId))
                  .map(r -> envelopes));
        }));
  }

  static JsonObject sessionJson(Row row) {
    return new JsonObject()
        .put("session_id", str(row, "session_id"))
        .put("created_at", str(row, "created_at"))
        .put("updated_at", str(row, "updated_at"))
        .put("state", str(row, "state"))
        .put("config", jsonObject(row, "config"))
        .put("user_id", str(row, "user_id"))
        .put("title", str(row, "title"))
        .put("message_count", lng(row, "message_count"))
        .put("usage", new JsonObject()
            .put("input_tokens", lng(row, "input_tokens"))
            .put("output_tokens", lng(row, "output_tokens"))
            .put("cache_creation_input_tokens", lng(row, "cache_creation_input_tokens"))
            .put("cache_read_input_tokens", lng(row, "cache_read_input_tokens"))
            .put("cost_usd", dbl(row, "cost_usd"))
            .put("turns", lng(row, "turn_count")));
  }

  static JsonObject messageJson(Row row) {
    return new JsonObject()
        .put("message_id", str(row, "message_id"))
        .put("session_id", str(row, "session_id"))
        .put("turn_id", str(row, "turn_id"))
        .put("role", str(row, "role"))
        .put("content", str(row, "content"))
        .put("timestamp", str(row, "created_at"))
        .put("tool_calls", jsonArray(row, "tool_calls"))
        .put("input_tokens", lng(row, "input_tokens"))
        .put("output_tokens", lng(row, "output_tokens"))
        .put("stop_reason", str(row, "stop_reason"))
        .put("model", str(row, "model"))
        .put("blocks", jsonArray(row, "blocks"));
  }

  static AgentXException notFound(String sessionId) {
    return new AgentXException(ErrorCode.SESSION_NOT_FOUND, "No session with id " + sessionId + ".");
  }
}
