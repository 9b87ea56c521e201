package agentx.tools.comfyui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** A short form of a validation answer for the edit tools, so every edit shows what is still wrong. */
final class ValidationSummary {
  private ValidationSummary() {}

  static JsonObject of(JsonObject validation) {
    JsonArray problems = new JsonArray();
    JsonObject error = validation.getJsonObject("error");
    if (error != null && validation.getJsonObject("node_errors").isEmpty()) {
      problems.add(line(null, error));
    }
    validation.getJsonObject("node_errors").forEach(entry -> {
      for (Object e : ((JsonObject) entry.getValue()).getJsonArray("errors")) {
        problems.add(line(entry.getKey(), (JsonObject) e));
      }
    });
    return new JsonObject()
        .put("valid", validation.getBoolean("valid"))
        .put("problems", problems)
        .put("suggestions", validation.getJsonArray("suggestions"));
  }

  private static JsonObject line(String nodeId, JsonObject error) {
    JsonObject line = new JsonObject();
    if (nodeId != null) {
      line.put("node_id", nodeId);
    }
    line.put("type", error.getString("type")).put("message", error.getString("message"))
        .put("details", error.getString("details"));
    String input = error.getJsonObject("extra_info", new JsonObject()).getString("input_name");
    if (input != null) {
      line.put("input_name", input);
    }
    return line;
  }
}
