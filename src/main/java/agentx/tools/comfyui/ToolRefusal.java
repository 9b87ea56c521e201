package agentx.tools.comfyui;

import io.vertx.core.json.JsonObject;

/**
 * A tool call that cannot be done as asked (bad arguments, invalid workflow, unknown prompt).
 * Thrown or failed inside a tool's future and turned into {@code ToolResult.error(sentence, details)}.
 */
final class ToolRefusal extends RuntimeException {
  private final transient JsonObject details;

  ToolRefusal(String sentence) {
    this(sentence, null);
  }

  ToolRefusal(String sentence, JsonObject details) {
    super(sentence, null, false, false);
    this.details = details;
  }

  JsonObject details() {
    return details;
  }
}
