package agentx.protocol;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A tool's answer as MCP content blocks: {@code {type:"text", text}} and
 * {@code {type:"image", data:<base64>, mimeType}}. Failures are results with {@code isError}, never
 * exceptions, so Claude can read what went wrong.
 */
public record ToolResult(JsonArray content, boolean isError) {

  /** A successful result whose text is the JSON encoding of {@code value}. */
  public static ToolResult json(Object value) {
    return new ToolResult(new JsonArray().add(text(Json.encode(value))), false);
  }

  public static ToolResult text(String text, boolean isError) {
    return new ToolResult(new JsonArray().add(text(text)), isError);
  }

  /** A failed result: a JSON object {@code {error: sentence, ...details}} as text. */
  public static ToolResult error(String sentence) {
    return error(sentence, null);
  }

  public static ToolResult error(String sentence, JsonObject details) {
    JsonObject body = new JsonObject().put("error", sentence);
    if (details != null) {
      body.mergeIn(details);
    }
    return new ToolResult(new JsonArray().add(text(body.encode())), true);
  }

  public static JsonObject text(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }

  public static JsonObject image(String base64, String mimeType) {
    return new JsonObject().put("type", "image").put("data", base64).put("mimeType", mimeType);
  }

  public JsonObject toJson() {
    return new JsonObject().put("content", content).put("is_error", isError);
  }

  public static ToolResult fromJson(JsonObject json) {
    return new ToolResult(json.getJsonArray("content", new JsonArray()), json.getBoolean("is_error", false));
  }
}
