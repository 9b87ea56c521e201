package agentx.events;

import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

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

  /**
   * Fails a bus message so that {@link Bus} on the other side rebuilds the same exception: the code
   * travels as the failure code, details (when any) as JSON in the failure text.
   */
  public static void failReply(Message<?> message, Throwable failure) {
    ErrorCode code = ErrorCode.of(failure);
    String text = failure.getMessage() != null ? failure.getMessage() : code.name();
    if (code == ErrorCode.STORE_UNAVAILABLE && !(failure instanceof AgentXException)) {
      text = "The session store could not do this right now (" + text.lines().findFirst().orElse("") + ").";
    }
    if (failure instanceof AgentXException e && e.details() != null) {
      text = new JsonObject().put(DETAILED, text).put("details", e.details()).encode();
    }
    message.fail(code.failureCode(), text);
  }

  private static final String DETAILED = "agentx_error";

  /** The exception a {@code RECIPIENT_FAILURE} carried, details included. */
  public static AgentXException fromReply(ErrorCode code, String text) {
    if (text != null && text.startsWith("{\"" + DETAILED + "\"")) {
      JsonObject json = new JsonObject(text);
      return new AgentXException(code, json.getString(DETAILED), json.getValue("details"));
    }
    return new AgentXException(code, text);
  }
}
