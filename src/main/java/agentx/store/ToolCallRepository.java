package agentx.store;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.events.Events;
import agentx.events.Times;
import agentx.protocol.ApprovalAnswer;
import agentx.protocol.CancelResult;
import agentx.protocol.ParkTurn;
import agentx.protocol.ToolCallRecord;
import agentx.protocol.TurnUsageSoFar;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The tool calls of turns that must outlive their engine: finished calls with their results, and
 * calls waiting for (or answered by) a person. Parking a turn for approval and answering an approval
 * are single transactions that also write the events clients see, so what a client was told is
 * always what is stored.
 */
final class ToolCallRepository {
  /**
   * What a write did: its answer, the stored events to publish, and the turn that may now be resumed
   * (null if none).
   */
  record Written<T>(T value, List<JsonObject> events, String resumableTurnId, String resumableSessionId) {
    Written(T value, List<JsonObject> events) {
      this(value, events, null, null);
    }
  }

  private final Database db;

  ToolCallRepository(Database db) {
    this.db = db;
  }

  /**
   * Records calls about to run, in one transaction: a row approved before becomes started (its edited
   * input kept); otherwise a new row.
   */
  Future<Void> started(List<ToolCallRecord> calls) {
    String now = Times.now();
    return db.writeJdbc(jdbc -> {
      for (ToolCallRecord call : calls) {
        updateElseInsert(jdbc, Jdbc.update(jdbc, Sql.TOOL_CALL_STARTED, call.turnId(), call.callId()), call, ToolCallRecord.STARTED,
            null, now);
      }
      return null;
    });
  }

  /** Records a finished call (a row asked for approval, or started, before becomes done; otherwise a new row). */
  Future<Void> done(ToolCallRecord call) {
    String now = Times.now();
    String result = call.result() == null ? null : call.result().encode();
    return db.writeJdbc(jdbc -> {
      updateElseInsert(jdbc, Jdbc.update(jdbc, Sql.TOOL_CALL_DONE, result, now, call.turnId(), call.callId()), call,
          ToolCallRecord.DONE, result, now);
      return null;
    });
  }

  /** After the update of the call's row: a call that had no row yet ({@code updated} 0) gets one, in {@code state}. */
  private static void updateElseInsert(Connection jdbc, int updated, ToolCallRecord call, String state, String result, String now)
      throws SQLException {
    if (updated == 0) {
      Jdbc.update(jdbc, Sql.INSERT_TOOL_CALL, call.sessionId(), call.turnId(), call.callId(), call.toolName(), call.input().encode(),
          state, result, null, null, now, null);
    }
  }

  /** Stops a running turn to wait for the given approvals: rows, turn, session state and events in one transaction. */
  Future<Written<Void>> park(ParkTurn park) {
    String now = Times.now();
    TurnUsageSoFar u = park.usage();
    return db.writeJdbc(jdbc -> {
      db.lockSession(jdbc, park.sessionId());
      if (Jdbc.update(jdbc, Sql.PARK_TURN, u.inputTokens(), u.outputTokens(), u.cacheCreationInputTokens(), u.cacheReadInputTokens(),
          u.costUsd(), u.llmCalls(), u.toolCalls(), park.turnId()) == 0) {
        throw new AgentXException(ErrorCode.TURN_NOT_FOUND, "Turn " + park.turnId() + " is not running; it cannot wait for approval.");
      }
      for (ToolCallRecord call : park.pending()) {
        Jdbc.update(jdbc, Sql.INSERT_TOOL_CALL, park.sessionId(), park.turnId(), call.callId(), call.toolName(), call.input().encode(),
            ToolCallRecord.AWAITING_APPROVAL, null, null, null, now, call.expiresAt());
      }
      Jdbc.update(jdbc, Sql.SET_SESSION_STATE, "awaiting_approval", now, park.sessionId());
      List<JsonObject> drafts = new ArrayList<>();
      for (ToolCallRecord call : park.pending()) {
        drafts.add(Events.draft(Events.APPROVAL_REQUIRED, park.sessionId(), park.turnId(), new JsonObject()
            .put("tool_call_id", call.callId()).put("tool_name", call.toolName()).put("input", call.input())
            .put("expires_at", call.expiresAt())));
      }
      drafts.add(Events.draft(Events.STATE, park.sessionId(), park.turnId(), Events.state("awaiting_approval")));
      return new Written<Void>(null, EventRepository.appendNumbered(db, jdbc, drafts));
    });
  }

  /** The session's unanswered approvals, oldest first. */
  Future<List<ToolCallRecord>> pending(String sessionId) {
    return db.readJdbc(jdbc -> Jdbc.list(jdbc, Sql.PENDING_APPROVALS, ToolCallRepository::record, sessionId));
  }

  /** A turn's stored calls. */
  static List<ToolCallRecord> ofTurn(Connection jdbc, String turnId) throws SQLException {
    return Jdbc.list(jdbc, Sql.TOOL_CALLS_OF_TURN, ToolCallRepository::record, turnId);
  }

  /**
   * Answers one approval. The first answer wins (the row changes only while it waits); when it was
   * the turn's last one, the turn becomes resumable. A {@code cancel} answers every approval of the
   * turn at once.
   */
  Future<Written<ApprovalAnswer.Outcome>> answer(ApprovalAnswer answer) {
    String now = Times.now();
    String sessionId = answer.sessionId();
    return db.writeJdbc(jdbc -> {
      db.lockSession(jdbc, sessionId);
      ToolCallRecord call = Jdbc.first(jdbc, Sql.APPROVAL_BY_ID, ToolCallRepository::record, sessionId, answer.callId());
      if (call == null) {
        throw new AgentXException(ErrorCode.APPROVAL_NOT_FOUND, "Session " + sessionId + " has no approval for tool call "
            + answer.callId() + ".");
      }
      if (!ToolCallRecord.AWAITING_APPROVAL.equals(call.state())) {
        throw new AgentXException(ErrorCode.APPROVAL_ALREADY_ANSWERED, "Tool call " + answer.callId()
            + " was answered already (" + call.state() + (call.reason() == null ? "" : ": " + call.reason()) + ").",
            new JsonObject().put("state", call.state()));
      }
      return decide(jdbc, call, answer, now);
    });
  }

  private Written<ApprovalAnswer.Outcome> decide(Connection jdbc, ToolCallRecord call, ApprovalAnswer answer, String now)
      throws SQLException {
    String state = switch (answer.decision()) {
      case ApprovalAnswer.APPROVE -> ToolCallRecord.APPROVED;
      case ApprovalAnswer.CANCEL -> ToolCallRecord.CANCELLED;
      default -> ToolCallRecord.DENIED;
    };
    String edited = answer.input() == null ? null : answer.input().encode();
    if (ApprovalAnswer.CANCEL.equals(answer.decision())) {
      Jdbc.update(jdbc, Sql.ANSWER_PENDING_OF_TURN, state, answer.reason(), now, call.turnId());
    } else {
      Jdbc.update(jdbc, Sql.ANSWER_APPROVAL, state, answer.reason(), edited, now, call.turnId(), call.callId());
    }
    int waiting = Jdbc.first(jdbc, Sql.COUNT_PENDING_OF_TURN, row -> row.getInt("n"), call.turnId());
    if (waiting == 0) {
      Jdbc.update(jdbc, Sql.UNPARK_TURN, call.turnId());
      Jdbc.update(jdbc, Sql.SET_SESSION_STATE, "processing", now, call.sessionId());
    }
    JsonObject said = new JsonObject().put("decision", answer.decision());
    if (answer.reason() != null) {
      said.put("reason", answer.reason());
    }
    if (answer.input() != null) {
      said.put("input", answer.input());
    }
    JsonObject event = Events.draft(Events.STATE, call.sessionId(), call.turnId(),
        Events.state(state, call.toolName(), ApprovalAnswer.CANCEL.equals(answer.decision()) ? null : call.callId(), said));
    List<JsonObject> stored = EventRepository.appendNumbered(db, jdbc, List.of(event));
    return new Written<>(new ApprovalAnswer.Outcome(call.callId(), call.turnId(), answer.decision(), waiting),
        stored, waiting == 0 ? call.turnId() : null, call.sessionId());
  }

  /** Cancels the session's turn that waits for approvals (every pending approval answered "cancel"). */
  Future<Written<CancelResult>> cancelWaiting(String sessionId) {
    return pending(sessionId).compose(waiting -> {
      if (waiting.isEmpty()) {
        return Future.succeededFuture(new Written<>(new CancelResult(false, null), List.of()));
      }
      ToolCallRecord call = waiting.get(0);
      return answer(new ApprovalAnswer(sessionId, call.callId(), ApprovalAnswer.CANCEL, "The turn was cancelled.", null))
          .map(w -> new Written<>(new CancelResult(true, call.turnId()), w.events(), w.resumableTurnId(), w.resumableSessionId()))
          // answered meanwhile by someone else: nothing waits any more
          .recover(e -> e instanceof AgentXException x && x.code() == ErrorCode.APPROVAL_ALREADY_ANSWERED
              ? Future.succeededFuture(new Written<>(new CancelResult(false, null), List.of()))
              : Future.failedFuture(e));
    });
  }

  /** Approvals whose time ran out, as (session, call) pairs. */
  Future<List<String[]>> expired() {
    return db.readJdbc(jdbc -> Jdbc.list(jdbc, Sql.EXPIRED_APPROVALS,
        row -> new String[] {row.getString("session_id"), row.getString("call_id")}, Times.now()));
  }

  /** A row of {@link Sql#TOOL_CALL_COLUMNS} as the protocol's record. */
  static ToolCallRecord record(ResultSet row) throws SQLException {
    return new ToolCallRecord(row.getString("call_id"), row.getString("session_id"), row.getString("turn_id"), row.getString("tool_name"),
        json(row.getString("input")), row.getString("state"), json(row.getString("result")), row.getString("reason"),
        json(row.getString("edited_input")), row.getString("requested_at"), row.getString("expires_at"));
  }

  private static JsonObject json(String text) {
    return text == null || text.isEmpty() ? null : new JsonObject(text);
  }
}
