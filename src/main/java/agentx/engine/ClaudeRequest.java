package agentx.engine;

import agentx.protocol.ToolSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The body of one Messages API call of a turn: model, the fitted conversation, system prompt, tools,
 * and the model-dependent fields {@link agentx.models.RequestShaper} chose for the model (thinking,
 * effort, temperature), so a model never receives a field it refuses.
 */
final class ClaudeRequest {
  private ClaudeRequest() {}

  static JsonObject build(TurnSettings settings, List<JsonObject> conversation, List<ToolSpec> tools) {
    List<JsonObject> messages = Conversation.fit(conversation, contextBudget(settings, tools));
    JsonObject body = new JsonObject()
        .put("model", settings.model())
        .put("max_tokens", settings.maxTokens())
        .put("messages", new JsonArray(messages));
    body.mergeIn(settings.request().fields().copy());
    if (settings.system() != null && !settings.system().isBlank()) {
      // prompt caching: the system prompt and the tool list (its last entry) are cache breakpoints
      body.put("system", new JsonArray().add(new JsonObject().put("type", "text").put("text", settings.system())
          .put("cache_control", ephemeral())));
    }
    if (!tools.isEmpty()) {
      JsonArray claudeTools = new JsonArray();
      for (int i = 0; i < tools.size(); i++) {
        ToolSpec t = tools.get(i);
        JsonObject tool = new JsonObject().put("name", t.name()).put("description", t.description()).put("input_schema", t.inputSchema());
        if (i == tools.size() - 1) {
          tool.put("cache_control", ephemeral());
        }
        claudeTools.add(tool);
      }
      body.put("tools", claudeTools);
    }
    return body;
  }

  private static JsonObject ephemeral() {
    return new JsonObject().put("type", "ephemeral");
  }

  /**
   * Newer tokenizers (Opus 4.7 and later, the 5.x models) count about 30% more tokens for the same text
   * than the 4-characters-a-token estimate assumes; the estimate is scaled up by this much so a long
   * history is cut before the API would answer "prompt is too long", whatever the model.
   */
  static final double TOKENIZER_MARGIN = 1.35;

  /**
   * Tokens (in {@link Conversation#estimateTokens} units) the conversation may take: most of the
   * window, less the system prompt, the tools and the answer's room.
   */
  static long contextBudget(TurnSettings settings, List<ToolSpec> tools) {
    JsonArray specs = new JsonArray();
    tools.forEach(t -> specs.add(t.toJson()));
    long fixed = Conversation.estimateTokens(settings.system()) + Conversation.estimateTokens(specs);
    long room = (long) ((settings.contextWindowTokens() * 0.9 - settings.maxTokens()) / TOKENIZER_MARGIN) - fixed;
    return Math.max(1_000, room);
  }
}
