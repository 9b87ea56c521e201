package agentx.engine;

import agentx.protocol.ToolSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The body of one Messages API call of a turn: model, the fitted conversation, system prompt, tools, sampling or thinking. */
final class ClaudeRequest {
  private ClaudeRequest() {}

  static JsonObject build(TurnSettings settings, List<JsonObject> conversation, List<ToolSpec> tools) {
    List<JsonObject> messages = Conversation.fit(conversation, contextBudget(settings, tools));
    JsonObject body = new JsonObject()
        .put("model", settings.model())
        .put("max_tokens", settings.maxTokens())
        .put("messages", new JsonArray(messages));
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
    if (settings.thinkingBudgetTokens() != null) {
      body.put("thinking", new JsonObject().put("type", "enabled").put("budget_tokens", settings.thinkingBudgetTokens()));
    } else if (settings.temperature() != null) {
      body.put("temperature", settings.temperature());
    }
    return body;
  }

  private static JsonObject ephemeral() {
    return new JsonObject().put("type", "ephemeral");
  }

  /** Tokens the conversation may take: most of the window, less the system prompt, the tools and the answer's room. */
  private static long contextBudget(TurnSettings settings, List<ToolSpec> tools) {
    JsonArray specs = new JsonArray();
    tools.forEach(t -> specs.add(t.toJson()));
    long fixed = Conversation.estimateTokens(settings.system()) + Conversation.estimateTokens(specs) + settings.maxTokens();
    return Math.max(1_000, (long) (settings.contextWindowTokens() * 0.9) - fixed);
  }
}
