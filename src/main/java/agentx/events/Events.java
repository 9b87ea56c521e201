package agentx.events;

import io.vertx.core.json.JsonObject;

/**
 * The four event layers of DESIGN §4.2 and their envelope
 * {@code {type, session_id, turn_id, seq, timestamp, data}}. Builders only: the store alone gives an
 * envelope its {@code seq}, when it stores it.
 */
public final class Events {
  public static final String STREAM = "stream";
  public static final String STATE = "state";
  public static final String MESSAGE = "message";
  public static final String TURN = "turn";
  /** A new version of the session's workflow: {@code {version, workflow, source, tool_call_id?}}. */
  public static final String WORKFLOW = "workflow";
  /** A tool call waits for a person's answer: {@code {tool_call_id, tool_name, input, expires_at?}}. */
  public static final String APPROVAL_REQUIRED = "approval_required";

  private Events() {}

  /** An envelope without its {@code seq}: what is sent to the store, which numbers it. */
  public static JsonObject draft(String type, String sessionId, String turnId, Object data) {
    return new JsonObject()
        .put("type", type)
        .put("session_id", sessionId)
        .put("turn_id", turnId)
        .put("seq", null)
        .put("timestamp", Times.now())
        .put("data", data);
  }

  /**
   * The draft of an event whose data is a string (a streamed token), already encoded: the text
   * {@code draft(type, sessionId, turnId, data).encode()} gives (same keys, same order), plus
   * {@code "kind"} when not null, written without building or serializing a {@code JsonObject}.
   */
  public static String draftText(String type, String sessionId, String turnId, String data, String kind) {
    // the keys, a stream's type, two UUIDs and a timestamp take 177 characters: room for them all, so the text is
    // copied once (into its string), not also into a grown builder
    StringBuilder out = new StringBuilder(200 + data.length() + (kind == null ? 0 : 20));
    out.append("{\"type\":");
    quoteOrNull(out, type).append(",\"session_id\":");
    quoteOrNull(out, sessionId).append(",\"turn_id\":");
    quoteOrNull(out, turnId).append(",\"seq\":null,\"timestamp\":");
    quoteOrNull(out, Times.now()).append(",\"data\":");
    quoteOrNull(out, data);
    if (kind != null) {
      quoteOrNull(out.append(",\"kind\":"), kind);
    }
    return out.append('}').toString();
  }

  private static StringBuilder quoteOrNull(StringBuilder out, String text) {
    return text == null ? out.append("null") : JsonText.quote(out, text);
  }

  /**
   * An encoded envelope with its top-level {@code seq} set to {@code seq} (the value replaced, or the
   * field added first when the draft has none), the rest of the text untouched.
   */
  public static String withSeq(String envelope, long seq) {
    return withSeqAt(envelope, JsonText.valueOf(envelope, 0, "seq"), seq);
  }

  /** {@link #withSeq} when the position of the top-level {@code seq} value is known ({@code -1}: none). */
  public static String withSeqAt(String envelope, int at, long seq) {
    if (at >= 0) {
      int end = JsonText.skipValue(envelope, at);
      if (end > 0) {
        return new StringBuilder(envelope.length() + 20).append(envelope, 0, at).append(seq).append(envelope, end, envelope.length()).toString();
      }
    }
    int open = envelope.indexOf('{');
    if (open < 0) {
      throw new IllegalArgumentException("Not an event envelope: " + envelope);
    }
    boolean empty = envelope.substring(open + 1).isBlank() || envelope.substring(open + 1).trim().startsWith("}");
    return envelope.substring(0, open + 1) + "\"seq\":" + seq + (empty ? "" : ",") + envelope.substring(open + 1);
  }

  /** {@code state} data: {@code {state, tool_name, tool_call_id, progress}}. */
  public static JsonObject state(String state, String toolName, String toolCallId, Object progress) {
    return new JsonObject()
        .put("state", state)
        .put("tool_name", toolName)
        .put("tool_call_id", toolCallId)
        .put("progress", progress);
  }

  public static JsonObject state(String state) {
    return state(state, null, null, null);
  }

  public static JsonObject errorState(ErrorCode code, String message) {
    return state("error", null, null, new JsonObject().put("code", code.name()).put("message", message));
  }
}
