package agentx.store;

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
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
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
    return db.readJdbc(jdbc -> Jdbc.list(jdbc, Sql.RUNNING_TURNS, TurnRecovery::runningTurn));
  }

  private static RunningTurn runningTurn(ResultSet row) throws SQLException {
    return new RunningTurn(row.getString("turn_id"), row.getString("session_id"), row.getString("user_message_id"),
        row.getString("engine_node"), row.getString("status"));
  }

  /** Marks the turn interrupted (to be resumed); answers whether it was still running. */
  Future<Boolean> interrupt(RunningTurn turn) {
    return db.writeJdbc(jdbc -> Jdbc.update(jdbc, Sql.MARK_TURN_INTERRUPTED, turn.turnId()) > 0);
  }

  /** The turns waiting for an engine to resume them, oldest first. */
  Future<List<ResumableTurn.Offer>> resumable() {
    return db.readJdbc(jdbc -> Jdbc.list(jdbc, Sql.RESUMABLE_TURNS,
        row -> new ResumableTurn.Offer(row.getString("turn_id"), row.getString("session_id"))));
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
    return db.readJdbc(jdbc -> Jdbc.list(jdbc, Sql.QUEUED_TURNS,
        row -> new QueuedTurnRow(row.getString("turn_id"), row.getString("session_id"), row.getString("engine_node"))));
  }

  /**
   * Closes a queued turn that never started as failed ({@code code} null: cancelled), with its {@code turn}
   * event (no {@code state} event: the session's state is its running turn's, which this does not touch). Answers the stored
   * envelope to publish, or none when the turn was no longer queued.
   */
  Future<List<JsonObject>> closeQueued(String turnId, String sessionId, ErrorCode code, String reason) {
    TurnSummary summary = code == null ? TurnSummary.cancelledBeforeRunning(turnId) : TurnSummary.failedBeforeRunning(turnId, null, code, reason);
    return db.writeJdbc(jdbc -> {
      if (Jdbc.update(jdbc, Sql.CLOSE_QUEUED, summary.status(), summary.errorCode(), summary.errorMessage(), Times.now(), turnId) == 0) {
        return List.<JsonObject>of();
      }
      return EventRepository.appendNumbered(db, jdbc, List.of(Events.draft(Events.TURN, sessionId, turnId, summary.toJson())));
    });
  }

  /**
   * A turn that {@code busy}'s engine node says it no longer runs, closed as failed (see {@link #fail}):
   * the store failed when its end was to be recorded, and its row would keep the session busy for
   * good. Only while it is still running on that node: read and changed in one transaction, so no
   * other node can claim it in between; answers the envelopes to publish (none otherwise).
   */
  Future<List<JsonObject>> abandon(BusyTurn busy) {
    return db.writeJdbc(jdbc -> {
      // the session's row first, as every writer of its events; then the turn's, so no other node claims or closes it meanwhile
      if (Jdbc.first(jdbc, db.dialect().forUpdate(Sql.LOCK_SESSION), row -> row.getLong(1), busy.sessionId()) == null) {
        return List.<JsonObject>of();
      }
      RunningTurn turn = Jdbc.first(jdbc, db.dialect().forUpdate(Sql.RUNNING_TURN_ON), TurnRecovery::runningTurn,
          busy.turnId(), busy.sessionId(), busy.engineNode());
      return turn == null ? List.<JsonObject>of() : fail(jdbc, turn, ErrorCode.INTERNAL,
          "Its engine could not record this turn's end, and closed it when the session's next turn started.");
    });
  }

  /**
   * Closes the turn as failed in one transaction: the turn row, the session state and the two
   * closing events, numbered after the session's last one. Answers the stored envelopes (to be
   * published), or none when the turn was no longer running (someone else closed it first).
   */
  Future<List<JsonObject>> fail(RunningTurn turn, ErrorCode code, String reason) {
    return db.writeJdbc(jdbc -> fail(jdbc, turn, code, reason));
  }

  private List<JsonObject> fail(Connection jdbc, RunningTurn turn, ErrorCode code, String reason) throws SQLException {
    String now = Times.now();
    if (Jdbc.update(jdbc, Sql.MARK_TURN_FAILED, code.name(), reason, now, turn.turnId()) == 0) {
      return List.of();
    }
    TurnSummary summary = TurnSummary.failedBeforeRunning(turn.turnId(), turn.userMessageId(), code, reason);
    List<JsonObject> stored = EventRepository.appendNumbered(db, jdbc, List.of(
        Events.draft(Events.STATE, turn.sessionId(), turn.turnId(), Events.errorState(code, reason)),
        Events.draft(Events.TURN, turn.sessionId(), turn.turnId(), summary.toJson())));
    Jdbc.update(jdbc, Sql.SET_SESSION_STATE, "idle", now, turn.sessionId());
    return stored;
  }
}
