package agentx.events;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * The one error vocabulary: each code has its HTTP status. Verticles fail bus messages with
 * {@code message.fail(code.failureCode(), sentence)}; the HTTP edge maps them back with {@link #of}.
 */
public enum ErrorCode {
  // Each code's bus number is fixed here, never derived from the order: nodes of different versions
  // in one cluster must read a failure the same way. New codes take new numbers; none is ever reused.
  INVALID_JSON(400, 1000),
  VALIDATION_FAILED(400, 1001),
  INVALID_SESSION_ID(400, 1002),
  UNAUTHORIZED(401, 1003),
  FORBIDDEN(403, 1004),
  SESSION_NOT_FOUND(404, 1005),
  NOT_FOUND(404, 1006),
  METHOD_NOT_ALLOWED(405, 1007),
  SESSION_BUSY(409, 1008),
  WORKFLOW_CONFLICT(409, 1009),
  PAYLOAD_TOO_LARGE(413, 1010),
  UNSUPPORTED_MEDIA_TYPE(415, 1011),
  LLM_RATE_LIMITED(429, 1012),
  INTERNAL(500, 1013),
  LLM_ERROR(502, 1014),
  LLM_NOT_CONFIGURED(503, 1015),
  LLM_OVERLOADED(503, 1016),
  STORE_UNAVAILABLE(503, 1017),
  SERVICE_UNAVAILABLE(503, 1018),
  TIMEOUT(504, 1019),
  URI_TOO_LONG(414, 1020),
  REQUEST_HEADER_TOO_LARGE(431, 1021),
  LENGTH_REQUIRED(411, 1022),
  /** A session's spending limit ({@code max_turn_cost_usd}, {@code max_session_cost_usd}) was reached. */
  BUDGET_EXCEEDED(402, 1023),
  TURN_NOT_FOUND(404, 1024),
  /** No approval with that tool_call_id was ever asked in the session. */
  APPROVAL_NOT_FOUND(404, 1025),
  /** The approval was answered already (the first answer wins), or its turn no longer waits. */
  APPROVAL_ALREADY_ANSWERED(409, 1026),
  /** An interrupted turn could not be resumed (interrupted too often, or its state is unusable). */
  TURN_NOT_RESUMABLE(500, 1027);

  private final int httpStatus;
  private final int failureCode;

  ErrorCode(int httpStatus, int failureCode) {
    this.httpStatus = httpStatus;
    this.failureCode = failureCode;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The int carried by {@code ReplyException.failureCode()}: fixed per code, never -1 (the bus's own failures). */
  public int failureCode() {
    return failureCode;
  }

  public static ErrorCode fromFailureCode(int failureCode) {
    for (ErrorCode code : values()) {
      if (code.failureCode == failureCode) {
        return code;
      }
    }
    return INTERNAL;
  }

  /** The code with this name, INTERNAL for an unknown or missing one (a newer node's code, say). */
  public static ErrorCode fromName(String name) {
    for (ErrorCode code : values()) {
      if (code.name().equals(name)) {
        return code;
      }
    }
    return INTERNAL;
  }

  /** Maps any failure that crossed the bus to a code: our own codes, then the bus's own failures. */
  public static ErrorCode of(Throwable failure) {
    if (failure instanceof AgentXException e) {
      return e.code();
    }
    if (failure instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        return fromFailureCode(re.failureCode());
      }
      if (re.failureType() == ReplyFailure.NO_HANDLERS) {
        return SERVICE_UNAVAILABLE;
      }
      return TIMEOUT;
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof java.sql.SQLException) {
        return STORE_UNAVAILABLE; // the database refused or failed (read-only, full, gone): not a fault of the request
      }
    }
    return INTERNAL;
  }
}
