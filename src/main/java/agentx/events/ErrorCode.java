package agentx.events;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * The one error vocabulary: each code has its HTTP status. Verticles fail bus messages with
 * {@code message.fail(code.failureCode(), sentence)}; the HTTP edge maps them back with {@link #of}.
 */
public enum ErrorCode {
  INVALID_JSON(400),
  VALIDATION_FAILED(400),
  INVALID_SESSION_ID(400),
  UNAUTHORIZED(401),
  FORBIDDEN(403),
  SESSION_NOT_FOUND(404),
  NOT_FOUND(404),
  METHOD_NOT_ALLOWED(405),
  SESSION_BUSY(409),
  WORKFLOW_CONFLICT(409),
  PAYLOAD_TOO_LARGE(413),
  UNSUPPORTED_MEDIA_TYPE(415),
  LLM_RATE_LIMITED(429),
  INTERNAL(500),
  LLM_ERROR(502),
  LLM_NOT_CONFIGURED(503),
  LLM_OVERLOADED(503),
  STORE_UNAVAILABLE(503),
  SERVICE_UNAVAILABLE(503),
  TIMEOUT(504);

  private final int httpStatus;

  ErrorCode(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The int carried by {@code ReplyException.failureCode()}: offset so it never collides with -1. */
  public int failureCode() {
    return 1000 + ordinal();
  }

  public static ErrorCode fromFailureCode(int failureCode) {
    int i = failureCode - 1000;
    ErrorCode[] all = values();
    return i >= 0 && i < all.length ? all[i] : INTERNAL;
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
    return INTERNAL;
  }
}
