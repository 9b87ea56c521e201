package agentx.protocol;

import io.vertx.core.json.JsonObject;

/** A running tool's progress (e.g. ComfyUI's {@code {value, max, node}}), sent to the call's progress address. */
public record ToolProgress(String callId, String toolName, JsonObject progress) {
  public JsonObject toJson() {
    return new JsonObject().put("call_id", callId).put("tool_name", toolName).put("progress", progress);
  }

  public static ToolProgress fromJson(JsonObject json) {
    return new ToolProgress(json.getString("call_id"), json.getString("tool_name"), json.getJsonObject("progress"));
  }
}
