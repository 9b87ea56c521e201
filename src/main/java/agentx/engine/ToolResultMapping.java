package agentx.engine;

import agentx.protocol.ToolResult;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.stream.Collectors;

/** A tool's MCP-shaped result as Claude and our clients see it. */
final class ToolResultMapping {
  private ToolResultMapping() {}

  /** MCP content blocks → Claude tool_result content (text and base64 image blocks). */
  static JsonArray claudeContent(ToolResult result) {
    JsonArray out = new JsonArray();
    for (Object o : result.content()) {
      JsonObject block = (JsonObject) o;
      if ("image".equals(block.getString("type"))) {
        out.add(new JsonObject().put("type", "image").put("source", new JsonObject().put("type", "base64")
            .put("media_type", block.getString("mimeType", "image/png")).put("data", block.getString("data"))));
      } else {
        out.add(new JsonObject().put("type", "text").put("text", block.getString("text", "")));
      }
    }
    if (out.isEmpty()) {
      out.add(new JsonObject().put("type", "text").put("text", result.isError() ? "error" : "done"));
    }
    return out;
  }

  /** The {@code tool_result} block sent back to Claude for one call. */
  static JsonObject resultBlock(String toolUseId, ToolResult result) {
    return new JsonObject()
        .put("type", "tool_result")
        .put("tool_use_id", toolUseId)
        .put("content", claudeContent(result))
        .put("is_error", result.isError());
  }

  /** A tool call as the reply and the messages list it: {@code {id, name, arguments, result, error}}, JSON results parsed. */
  static JsonObject call(JsonObject toolUse, ToolResult result) {
    String text = text(result);
    return new JsonObject().put("id", toolUse.getString("id")).put("name", toolUse.getString("name"))
        .put("arguments", toolUse.getJsonObject("input"))
        .put("result", result.isError() ? null : parsedOrText(text))
        .put("error", result.isError() ? text : null);
  }

  private static String text(ToolResult result) {
    return result.content().stream().map(b -> (JsonObject) b).filter(b -> "text".equals(b.getString("type")))
        .map(b -> b.getString("text", "")).collect(Collectors.joining("\n"));
  }

  private static Object parsedOrText(String text) {
    try {
      return Json.decodeValue(text);
    } catch (DecodeException e) {
      return text;
    }
  }
}
