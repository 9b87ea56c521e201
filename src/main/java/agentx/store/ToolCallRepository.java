package agentx.store;

import static agentx.store.Rows.count;
import static agentx.store.Rows.first;
import static agentx.store.Rows.str;

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
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.sql.Connection;
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
    return db.write(conn -> {
      Future<Void> chain = Future.succeededFuture();
      for (ToolCallRecord call : calls) {
        chain = chain.compose(v -> updateElseInsert(conn, Sql.TOOL_CALL_STARTED, Params.of(call.turnId(), call.callId()), call,
            ToolCallRecord.STARTED, null, now));
      }
      return chain;
    });
  }

  /** Records a finished call (a row asked for approval, or started, before becomes done; otherwise a new row). */
  Future<Void> done(ToolCallRecord call) {
    String now = Times.now();
    String result = call.result() == null ? null : call.result().encode();
    return db.write(conn -> updateElseInsert(conn, Sql.TOOL_CALL_DONE, Params.of(result, now, call.turnId(), call.callId()), call,
        ToolCallRecord.DONE, result, now));
  }

  /** Moves the call's row on with {@code update}; a call without a row yet gets one, in {@code state}. */
  private static Future<Void> updateElseInsert(SqlConnection conn, String update, Tuple updateParams, ToolCallRecord call, String state,
      String result, String now) {
    return conn.preparedQuery(update).execute(updateParams).compose(updated -> updated.rowCount() > 0 ? Future.<Void>succeededFuture()
        : conn.preparedQuery(Sql.INSERT_TOOL_CALL).execute(Params.of(call.sessionId(), call.turnId(), call.callId(),
            call.toolName(), call.input().encode(), state, result, null, null, now, null)).mapEmpty());
  }

  /** Stops a running turn to wait for the given approvals: rows, turn, session state and events in one transaction. */
  Future<Written<Void>> park(ParkTurn park) {
    String now = Times.now();
    TurnUsageSoFar u = park.usage();
    return db.write(conn -> db.lockSession(conn, park.sessionId())
        .compose(locked -> conn.preparedQuery(Sql.PARK_TURN).execute(Params.of(u.inputTokens(), u.outputTokens(),
            u.cacheCreationInputTokens(), u.cacheReadInputTokens(), u.costUsd(), u.llmCalls(), u.toolCalls(), park.turnId())))
        .compose(parked -> {
          if (parked.rowCount() == 0) {
            throw new AgentXException(ErrorCode.TURN_NOT_FOUND, "Turn " + park.turnId() + " is not running; it cannot wait for approval.");
          }
          Future<Void> chain = Future.succeededFuture();
          for (ToolCallRecord call : park.pending()) {
            chain = chain.compose(v -> conn.preparedQuery(Sql.INSERT_TOOL_CALL).execute(Params.of(park.sessionId(), park.turnId(),
                call.callId(), call.toolName(), call.input().encode(), ToolCallRecord.AWAITING_APPROVAL, null, null, null, now,
                call.expiresAt())).mapEmpty());
          }
          return chain;
        })
        .compose(v -> conn.preparedQuery(Sql.SET_SESSION_STATE).execute(Params.of("awaiting_approval", now, park.sessionId())))
        .compose(v -> {
          List<JsonObject> drafts = new ArrayList<>();
          for (ToolCallRecord call : park.pending()) {
            drafts.add(Events.draft(Events.APPROVAL_REQUIRED, park.sessionId(), park.turnId(), new JsonObject()
                .put("tool_call_id", call.callId()).put("tool_name", call.toolName()).put("input", call.input())
                .put("expires_at", call.expiresAt())));
          }
          drafts.add(Events.draft(Events.STATE, park.sessionId(), park.turnId(), Events.state("awaiting_approval")));
          return EventRepository.appendNumbered(db, conn, park.sessionId(), drafts);
        })
        .map(stored -> new Written<>(null, stored)));
  }

  /** The session's unanswered approvals, oldest first. */
  Future<List<ToolCallRecord>> pending(String sessionId) {
    return db.reads().preparedQuery(Sql.PENDING_APPROVALS).execute(Params.of(sessionId)).map(ToolCallRepository::records);
  }

  /** A turn's stored calls. */
  static List<ToolCallRecord> ofTurn(Connection jdbc, String turnId) throws SQLException {
    return Jdbc.list(jdbc, Sql.TOOL_CALLS_OF_TURN, row -> call(row::getString), turnId);
  }

  /**
   * Answers one approval. The first answer wins (the row changes only while it waits); when it was
   * the turn's last one, the turn becomes resumable. A {@code cancel} answers every approval of the
   * turn at once.
   */
  Future<Written<ApprovalAnswer.Outcome>> answer(ApprovalAnswer answer) {
    String now = Times.now();
    String sessionId = answer.sessionId();
    return db.write(conn -> db.lockSession(conn, sessionId)
        .compose(locked -> conn.preparedQuery(Sql.APPROVAL_BY_ID).execute(Params.of(sessionId, answer.callId())))
        .compose(rows -> {
          Row row = first(rows);
          if (row == null) {
            throw new AgentXException(ErrorCode.APPROVAL_NOT_FOUND, "Session " + sessionId + " has no approval for tool call "
                + answer.callId() + ".");
          }
          ToolCallRecord call = record(row);
          if (!ToolCallRecord.AWAITING_APPROVAL.equals(call.state())) {
            throw new AgentXException(ErrorCode.APPROVAL_ALREADY_ANSWERED, "Tool call " + answer.callId()
                + " was answered already (" + call.state() + (call.reason() == null ? "" : ": " + call.reason()) + ").",
                new JsonObject().put("state", call.state()));
          }
          return decide(conn, call, answer, now);
        }));
  }

  private Future<Written<ApprovalAnswer.Outcome>> decide(SqlConnection conn, ToolCallRecord call, ApprovalAnswer answer, String now) {
    String state = switch (answer.decision()) {
      case ApprovalAnswer.APPROVE -> ToolCallRecord.APPROVED;
      case ApprovalAnswer.CANCEL -> ToolCallRecord.CANCELLED;
      default -> ToolCallRecord.DENIED;
    };
    String edited = answer.input() == null ? null : answer.input().encode();
    Future<RowSet<Row>> update = ApprovalAnswer.CANCEL.equals(answer.decision())
        ? conn.preparedQuery(Sql.ANSWER_PENDING_OF_TURN).execute(Params.of(state, answer.reason(), now, call.turnId()))
        : conn.preparedQuery(Sql.ANSWER_APPROVAL).execute(Params.of(state, answer.reason(), edited, now, call.turnId(), call.callId()));
    return update
        .compose(v -> conn.preparedQuery(Sql.COUNT_PENDING_OF_TURN).execute(Params.of(call.turnId())).map(r -> (int) count(r)))
        .compose(waiting -> {
          Future<Void> unpark = waiting > 0 ? Future.succeededFuture()
              : conn.preparedQuery(Sql.UNPARK_TURN).execute(Params.of(call.turnId()))
                  .compose(r -> conn.preparedQuery(Sql.SET_SESSION_STATE).execute(Params.of("processing", now, call.sessionId())))
                  .mapEmpty();
          JsonObject said = new JsonObject().put("decision", answer.decision());
          if (answer.reason() != null) {
            said.put("reason", answer.reason());
          }
          if (answer.input() != null) {
            said.put("input", answer.input());
          }
          JsonObject event = Events.draft(Events.STATE, call.sessionId(), call.turnId(),
              Events.state(state, call.toolName(), ApprovalAnswer.CANCEL.equals(answer.decision()) ? null : call.callId(), said));
          return unpark.compose(v -> EventRepository.appendNumbered(db, conn, call.sessionId(), List.of(event)))
              .map(stored -> new Written<>(new ApprovalAnswer.Outcome(call.callId(), call.turnId(), answer.decision(), waiting),
                  stored, waiting == 0 ? call.turnId() : null, call.sessionId()));
        });
  }

  /** Cancels the session's turn that waits for approvals (every pending approval answered "cancel"). */
  Future<Written<CancelResult>> cancelWaiting(String sessionId) {
    return db.reads().preparedQuery(Sql.PENDING_APPROVALS).execute(Params.of(sessionId)).compose(rows -> {
      Row row = first(rows);
      if (row == null) {
        return Future.succeededFuture(new Written<>(new CancelResult(false, null), List.of()));
      }
      ToolCallRecord call = record(row);
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
    return db.reads().preparedQuery(Sql.EXPIRED_APPROVALS).execute(Params.of(Times.now())).map(rows -> {
      List<String[]> out = new ArrayList<>();
      rows.forEach(r -> out.add(new String[] {str(r, "session_id"), str(r, "call_id")}));
      return out;
    });
  }

  private static List<ToolCallRecord> records(RowSet<Row> rows) {
    List<ToolCallRecord> out = new ArrayList<>();
    rows.forEach(r -> out.add(record(r)));
    return out;
  }

  static ToolCallRecord record(Row row) {
    return call(column -> str(row, column));
  }

  /** A text column of the row being read, by name: a SQL client's {@link Row} or a JDBC result's row. */
  @FunctionalInterface
  private interface Text<E extends Exception> {
    String of(String column) throws E;
  }

  private static <E extends Exception> ToolCallRecord call(Text<E> row) throws E {
    return new ToolCallRecord(row.of("call_id"), row.of("session_id"), row.of("turn_id"), row.of("tool_name"),
        json(row.of("input")), row.of("state"), json(row.of("result")), row.of("reason"), json(row.of("edited_input")),
        row.of("requested_at"), row.of("expires_at"));
  }

  private static JsonObject json(String text) {
    return text == null || text.isEmpty() ? null : new JsonObject(text);
  }
}
