package agentx.store;

import static agentx.store.Rows.first;
import static agentx.store.Rows.lng;
import static agentx.store.Rows.nullableDbl;
import static agentx.store.Rows.str;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.events.Events;
import agentx.events.Times;
import agentx.protocol.ResumableTurn;
import agentx.protocol.TurnSummary;
import agentx.protocol.TurnUsageSoFar;
import io.vertx.sqlclient.Row;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a crash left running (the server stopped, or the engine node running them left the
 * cluster): finds them and either marks each {@code interrupted}, for the next engine to claim and
 * resume, or (with {@code AGENTX_RESUME_TURNS=false}) closes it as failed, with the {@code state
 * error} and {@code turn} events a client would have seen, so no session stays {@code processing}.
 */
final class TurnRecovery {
  /** A turn still marked running, and the engine node that was running it. */
  record RunningTurn(String turnId, String sessionId, String userMessageId, String engineNode, String status) {}

  private final Database db;

  TurnRecovery(Database db) {
    this.db = db;
  }

  Future<List<RunningTurn>> runningTurns() {
    return db.reads().preparedQuery(Sql.RUNNING_TURNS).execute().map(rows -> {
      List<RunningTurn> out = new ArrayList<>();
      rows.forEach(row -> out.add(new RunningTurn(str(row, "turn_id"), str(row, "session_id"), str(row, "user_message_id"),
          str(row, "engine_node"), str(row, "status"))));
      return out;
    });
  }

  /**
   * Closes the turn as failed in one transaction: the turn row, the session state and the two
   * closing events, numbered after the session's last one. Answers the stored envelopes (to be
   * published), or none when the turn was no longer running (someone else closed it first).
   */
  /** Marks the turn interrupted (to be resumed); answers whether it was still running. */
  Future<Boolean> interrupt(RunningTurn turn) {
    return db.write(conn -> conn.preparedQuery(Sql.MARK_TURN_INTERRUPTED).execute(Params.of(turn.turnId())).map(r -> r.rowCount() > 0));
  }

  /** The turns waiting for an engine to resume them, oldest first. */
  Future<List<ResumableTurn.Offer>> resumable() {
    return db.reads().preparedQuery(Sql.RESUMABLE_TURNS).execute().map(rows -> {
      List<ResumableTurn.Offer> out = new ArrayList<>();
      rows.forEach(row -> out.add(new ResumableTurn.Offer(str(row, "turn_id"), str(row, "session_id"))));
      return out;
    });
  }

  /**
   * Hands a turn waiting to be resumed to one engine: the row changes from {@code interrupted} to
   * {@code running} once, so of several engines trying, exactly one gets it (the others SESSION_BUSY).
   */
  Future<ResumableTurn> claim(ResumableTurn.Claim claim) {
    return db.write(conn -> conn.preparedQuery(Sql.CLAIM_TURN).execute(Params.of(claim.engineNode(), claim.turnId()))
        .compose(updated -> {
          if (updated.rowCount() == 0) {
            throw new AgentXException(ErrorCode.SESSION_BUSY, "Turn " + claim.turnId() + " is not waiting to be resumed"
                + " (another engine took it, or it ended).");
          }
          return conn.preparedQuery(Sql.SELECT_RESUMABLE).execute(Params.of(claim.turnId()));
        })
        .compose(rows -> {
          Row row = first(rows);
          String request = str(row, "request");
          String system = request == null ? null : new JsonObject(request).getString("system");
          String sessionId = str(row, "session_id");
          TurnUsageSoFar usage = new TurnUsageSoFar(lng(row, "input_tokens"), lng(row, "output_tokens"),
              lng(row, "cache_creation_input_tokens"), lng(row, "cache_read_input_tokens"), nullableDbl(row, "cost_usd"),
              lng(row, "llm_calls"), lng(row, "tool_calls"));
          String startedAt = str(row, "started_at");
          String userMessageId = str(row, "user_message_id");
          int interruptions = (int) lng(row, "interruptions");
          return ToolCallRepository.ofTurn(conn, claim.turnId())
              .compose(calls -> conn.preparedQuery(Sql.SET_SESSION_STATE).execute(Params.of("processing", Times.now(), sessionId))
                  .map(r -> new ResumableTurn(claim.turnId(), sessionId, userMessageId, system, interruptions, startedAt, usage, calls)));
        }));
  }

  Future<List<JsonObject>> fail(RunningTurn turn, ErrorCode code, String reason) {
    String now = Times.now();
    return db.write(conn -> conn.preparedQuery(Sql.MARK_TURN_FAILED).execute(Params.of(code.name(), reason, now, turn.turnId()))
        .compose(updated -> {
          if (updated.rowCount() == 0) {
            return Future.succeededFuture(List.<JsonObject>of());
          }
          TurnSummary summary = TurnSummary.failedBeforeRunning(turn.turnId(), turn.userMessageId(), code, reason);
          List<JsonObject> closing = List.of(
              Events.draft(Events.STATE, turn.sessionId(), turn.turnId(), Events.errorState(code, reason)),
              Events.draft(Events.TURN, turn.sessionId(), turn.turnId(), summary.toJson()));
          return EventRepository.appendNumbered(db, conn, turn.sessionId(), closing)
              .compose(stored -> conn.preparedQuery(Sql.SET_SESSION_STATE).execute(Params.of("idle", now, turn.sessionId()))
                  .map(r -> stored));
        }));
  }
}
