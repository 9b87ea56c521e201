package agentx.store;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.events.Times;
import agentx.protocol.Page;
import agentx.protocol.QueuedTurn;
import agentx.protocol.TurnProgress;
import agentx.protocol.TurnQuery;
import agentx.protocol.TurnRecord;
import agentx.protocol.TurnUsageSoFar;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** The turns of a session as {@code GET /turns} shows them, and the running turns' usage so far. */
final class TurnRepository {
  private final Database db;
  TurnRepository(Database db) {
    this.db = db;
  }

  /** Records a turn accepted behind the session's running one; fails SESSION_NOT_FOUND for an unknown session. */
  Future<Void> queue(QueuedTurn turn) {
    return db.writeJdbc(jdbc -> {
      db.lockSession(jdbc, turn.sessionId());
      Jdbc.update(jdbc, Sql.INSERT_QUEUED_TURN, turn.turnId(), turn.sessionId(), turn.engineNode(), Times.now());
      return null;
    });
  }

  /** Inside a write transaction: a running turn's usage so far; a finished turn is left alone (its summary is final). Blocking. */
  static void progress(Connection jdbc, String turnId, TurnUsageSoFar u) throws SQLException {
    Jdbc.update(jdbc, Sql.TURN_PROGRESS, u.inputTokens(), u.outputTokens(), u.cacheCreationInputTokens(), u.cacheReadInputTokens(),
        u.costUsd(), u.llmCalls(), u.toolCalls(), turnId);
  }

  /**
   * Inside the events' write transaction: a running turn's figures as its Claude call started, streams or was cut
   * off, left out when the turn has recorded figures ahead of them (its last message's, written on another way).
   * Blocking.
   */
  static void progressIfAhead(Connection jdbc, TurnProgress progress) throws SQLException {
    TurnUsageSoFar u = progress.usage();
    Jdbc.update(jdbc, Sql.TURN_PROGRESS_IF_AHEAD, u.inputTokens(), u.outputTokens(), u.cacheCreationInputTokens(),
        u.cacheReadInputTokens(), u.costUsd(), u.llmCalls(), u.toolCalls(), progress.turnId(), u.inputTokens(), u.outputTokens(),
        u.llmCalls());
  }

  /**
   * Turns are read with plain JDBC, like the sessions: the SQL client handed SQLite's REAL cost back
   * as a float (seven digits of it), and describes every column of every row it reads.
   */
  Future<Page> list(TurnQuery query) {
    String sessionId = query.sessionId();
    return db.readJdbc(jdbc -> {
      SessionRepository.find(jdbc, sessionId); // SESSION_NOT_FOUND for a session that is not there
      long total = Jdbc.first(jdbc, Sql.COUNT_TURNS, row -> row.getLong(1), sessionId);
      JsonArray items = new JsonArray();
      for (TurnRecord turn : Jdbc.list(jdbc, Sql.LIST_TURNS, TurnRepository::turn, sessionId, query.limit(), query.offset())) {
        items.add(turn.toJson());
      }
      return new Page(Page.TURNS, items, total, query.offset(), query.limit());
    });
  }

  Future<TurnRecord> get(String sessionId, String turnId) {
    return db.readJdbc(jdbc -> {
      SessionRepository.find(jdbc, sessionId);
      TurnRecord turn = Jdbc.first(jdbc, Sql.GET_TURN, TurnRepository::turn, sessionId, turnId);
      if (turn == null) {
        throw new AgentXException(ErrorCode.TURN_NOT_FOUND, "Session " + sessionId + " has no turn " + turnId + ".");
      }
      return turn;
    });
  }

  private static TurnRecord turn(ResultSet row) throws SQLException {
    String status = row.getString("status");
    String startedAt = row.getString("started_at");
    Long duration = Jdbc.nullableLong(row, "duration_ms");
    if ("running".equals(status)) {
      duration = elapsedSince(startedAt);
    }
    return new TurnRecord(row.getString("turn_id"), row.getString("session_id"), status, row.getString("user_message_id"),
        row.getString("assistant_message_id"), row.getString("stop_reason"), startedAt, row.getString("finished_at"), duration,
        usage(row), row.getString("error_code"), row.getString("error_message"), row.getString("engine_node"));
  }

  /** A turn row's usage columns (its cost NULL when unknown). */
  static TurnUsageSoFar usage(ResultSet row) throws SQLException {
    return new TurnUsageSoFar(row.getLong("input_tokens"), row.getLong("output_tokens"), row.getLong("cache_creation_input_tokens"),
        row.getLong("cache_read_input_tokens"), Jdbc.nullableDouble(row, "cost_usd"), row.getLong("llm_calls"),
        row.getLong("tool_calls"));
  }

  private static Long elapsedSince(String startedAt) {
    try {
      return Math.max(0, Duration.between(Instant.parse(startedAt), Instant.now()).toMillis());
    } catch (DateTimeParseException | NullPointerException e) {
      return null;
    }
  }
}
