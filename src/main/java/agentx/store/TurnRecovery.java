package agentx.store;

import static agentx.store.Rows.str;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.events.Events;
import agentx.events.Times;
import agentx.protocol.BusyTurn;
import agentx.protocol.ResumableTurn;
import agentx.protocol.ToolCallRecord;
import agentx.protocol.TurnSummary;
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
    String turnId = claim.turnId();
    return db.writeJdbc(jdbc -> {
      if (Jdbc.update(jdbc, Sql.CLAIM_TURN, claim.engineNode(), turnId) == 0) {
        throw new AgentXException(ErrorCode.SESSION_BUSY, "Turn " + turnId + " is not waiting to be resumed"
            + " (another engine took it, or it ended).");
      }
      List<ToolCallRecord> calls = ToolCallRepository.ofTurn(jdbc, turnId);
      ResumableTurn turn = Jdbc.first(jdbc, Sql.SELECT_RESUMABLE, row -> {
        String request = row.getString("request");
        String system = request == null ? null : new JsonObject(request).getString("system");
        return new ResumableTurn(turnId, row.getString("session_id"), row.getString("user_message_id"), system,
            row.getInt("interruptions"), row.getString("started_at"), TurnRepository.usage(row), calls);
      }, turnId);
      Jdbc.update(jdbc, Sql.SET_SESSION_STATE, "processing", Times.now(), turn.sessionId());
      return turn;
    });
  }

  /** A turn accepted behind its session's running one, not started yet. */
  record QueuedTurnRow(String turnId, String sessionId, String engineNode) {}

  Future<List<QueuedTurnRow>> queuedTurns() {
    return db.reads().preparedQuery(Sql.QUEUED_TURNS).execute().map(rows -> {
      List<QueuedTurnRow> out = new ArrayList<>();
      rows.forEach(row -> out.add(new QueuedTurnRow(str(row, "turn_id"), str(row, "session_id"), str(row, "engine_node"))));
      return out;
    });
  }

  /**
   * Closes a queued turn that never started as failed ({@code code} null: cancelled), with its {@code turn}
   * event (no {@code state} event: the session's state is its running turn's, which this does not touch). Answers the stored
   * envelope to publish, or none when the turn was no longer queued.
   */
  Future<List<JsonObject>> closeQueued(String turnId, String sessionId, ErrorCode code, String reason) {
    TurnSummary summary = code == null ? TurnSummary.cancelledBeforeRunning(turnId) : TurnSummary.failedBeforeRunning(turnId, null, code, reason);
    return db.write(conn -> conn.preparedQuery(Sql.CLOSE_QUEUED)
        .execute(Params.of(summary.status(), summary.errorCode(), summary.errorMessage(), Times.now(), turnId))
        .compose(updated -> updated.rowCount() == 0 ? Future.succeededFuture(List.<JsonObject>of())
            : EventRepository.appendNumbered(db, conn, sessionId, List.of(Events.draft(Events.TURN, sessionId, turnId, summary.toJson())))));
  }

  /**
   * A turn that {@code busy}'s engine node says it no longer runs, closed as failed (see {@link #fail}):
   * the store failed when its end was to be recorded, and its row would keep the session busy for
   * good. Only while it is still running on that node; answers the envelopes to publish (none otherwise).
   */
  Future<List<JsonObject>> abandon(BusyTurn busy) {
    return db.reads().preparedQuery(Sql.RUNNING_TURN_ON).execute(Params.of(busy.turnId(), busy.sessionId(), busy.engineNode()))
        .compose(rows -> {
          if (!rows.iterator().hasNext()) {
            return Future.succeededFuture(List.<JsonObject>of());
          }
          var row = rows.iterator().next();
          return fail(new RunningTurn(str(row, "turn_id"), str(row, "session_id"), str(row, "user_message_id"), str(row, "engine_node"),
              str(row, "status")), ErrorCode.INTERNAL, "Its engine could not record this turn's end, and closed it when the session's next turn started.");
        });
  }

  /**
   * Closes the turn as failed in one transaction: the turn row, the session state and the two
   * closing events, numbered after the session's last one. Answers the stored envelopes (to be
   * published), or none when the turn was no longer running (someone else closed it first).
   */
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
