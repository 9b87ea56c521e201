package agentx.events;

import io.vertx.core.eventbus.Message;

/** A failure with a code from {@link ErrorCode} and a sentence a person understands. */
public class AgentXException extends RuntimeException {
  private final ErrorCode code;
  private final transient Object details;

  public AgentXException(ErrorCode code, String message) {
    this(code, message, null);
  }

  public AgentXException(ErrorCode code, String message, Object details) {
    super(message, null, false, false);
    this.code = code;
    this.details = details;
  }

  public ErrorCode code() {
    return code;
  }

  public Object details() {
    return details;
  }

  /** Fails a bus message so that {@link ErrorCode#of} on the other side finds the same code. */
  public static void failReply(Message<?> message, Throwable failure) {
    ErrorCode code = ErrorCode.of(failure);
    String text = failure.getMessage() != null ? failure.getMessage() : code.name();
    message.fail(code.failureCode(), text);
  }
}
