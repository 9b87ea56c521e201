package agentx.store;

import static agentx.store.Rows.nullableDbl;
import static agentx.store.Rows.first;
import static agentx.store.Rows.lng;
import static agentx.store.Rows.str;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.protocol.Page;
import agentx.protocol.TurnProgress;
import agentx.protocol.TurnQuery;
import agentx.protocol.TurnRecord;
import agentx.protocol.TurnUsageSoFar;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Row;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** The turns of a session as {@code GET /turns} shows them, and the running turns' usage so far. */
final class TurnRepository {
  private final Database db;
  private final SessionRepository sessions;

  TurnRepository(Database db, SessionRepository sessions) {
    this.db = db;
    this.sessions = sessions;
  }

  /** Updates a running turn's usage; a finished turn is left alone (its summary is final). */
  Future<Void> progress(TurnProgress progress) {
    TurnUsageSoFar u = progress.usage();
    return db.writeJdbc(jdbc -> {
      Jdbc.update(jdbc, Sql.TURN_PROGRESS, u.inputTokens(), u.outputTokens(), u.cacheCreationInputTokens(), u.cacheReadInputTokens(),
          u.costUsd(), u.llmCalls(), u.toolCalls(), progress.turnId());
      return null;
    });
  }

  Future<Page> list(TurnQuery query) {
    String sessionId = query.sessionId();
    return sessions.get(sessionId).compose(session -> {
      Future<Long> total = db.reads().preparedQuery(Sql.COUNT_TURNS).execute(Params.of(sessionId)).map(Rows::count);
      Future<JsonArray> page = db.reads().preparedQuery(Sql.LIST_TURNS).execute(Params.of(sessionId, query.limit(), query.offset()))
          .map(rows -> {
            JsonArray out = new JsonArray();
            rows.forEach(row -> out.add(turn(row).toJson()));
            return out;
          });
      return Future.all(total, page).map(all -> new Page(Page.TURNS, page.result(), total.result(), query.offset(), query.limit()));
    });
  }

  Future<TurnRecord> get(String sessionId, String turnId) {
    return sessions.get(sessionId)
        .compose(session -> db.reads().preparedQuery(Sql.GET_TURN).execute(Params.of(sessionId, turnId)))
        .map(rows -> {
          Row row = first(rows);
          if (row == null) {
            throw new AgentXException(ErrorCode.TURN_NOT_FOUND, "Session " + sessionId + " has no turn " + turnId
                + " (a turn queued behind another appears once it starts).");
          }
          return turn(row);
        });
  }

  private static TurnRecord turn(Row row) {
    String status = str(row, "status");
    String startedAt = str(row, "started_at");
    Long duration = row.getValue("duration_ms") instanceof Number n ? n.longValue() : null;
    if ("running".equals(status)) {
      duration = elapsedSince(startedAt);
    }
    return new TurnRecord(str(row, "turn_id"), str(row, "session_id"), status, str(row, "user_message_id"),
        str(row, "assistant_message_id"), str(row, "stop_reason"), startedAt, str(row, "finished_at"), duration,
        new TurnUsageSoFar(lng(row, "input_tokens"), lng(row, "output_tokens"), lng(row, "cache_creation_input_tokens"),
            lng(row, "cache_read_input_tokens"), nullableDbl(row, "cost_usd"), lng(row, "llm_calls"), lng(row, "tool_calls")),
        str(row, "error_code"), str(row, "error_message"), str(row, "engine_node"));
  }

  private static Long elapsedSince(String startedAt) {
    try {
      return Math.max(0, Duration.between(Instant.parse(startedAt), Instant.now()).toMillis());
    } catch (DateTimeParseException | NullPointerException e) {
      return null;
    }
  }
}
