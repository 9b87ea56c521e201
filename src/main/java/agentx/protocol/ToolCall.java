package agentx.protocol;

import io.vertx.core.json.JsonObject;

/**
 * Calls one tool of the registry; the tools service answers a {@link ToolResult}, never a bus failure.
 *
 * @param sessionId the chat session (its workflow), or null for an MCP client's call
 * @param progressAddress where the tool reports {@link ToolProgress} while it runs, or null
 * @param resumed the call had started before (stored as started, and its turn's engine stopped while it
 *     ran): only a tool that resumes safely runs it again (a ComfyUI run is looked for first instead of
 *     started twice); any other answers that it was interrupted
 */
public record ToolCall(String name, JsonObject arguments, String sessionId, String turnId, String callId, String progressAddress,
    boolean resumed) {
  public ToolCall(String name, JsonObject arguments, String sessionId, String turnId, String callId, String progressAddress) {
    this(name, arguments, sessionId, turnId, callId, progressAddress, false);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("name", name).put("arguments", arguments).put("session_id", sessionId).put("turn_id", turnId)
        .put("call_id", callId).put("progress_address", progressAddress);
    return resumed ? json.put("resumed", true) : json;
  }

  public static ToolCall fromJson(JsonObject json) {
    return new ToolCall(json.getString("name"), json.getJsonObject("arguments", new JsonObject()), json.getString("session_id"),
        json.getString("turn_id"), json.getString("call_id"), json.getString("progress_address"), json.getBoolean("resumed", false));
  }

  /** Published on {@link Addresses#TOOLS_CANCEL}: aborts the call wherever it runs. */
  public static JsonObject cancelToJson(String callId) {
    return new JsonObject().put("call_id", callId);
  }

  public static String cancelFromJson(JsonObject json) {
    return json == null ? null : json.getString("call_id");
  }
}
