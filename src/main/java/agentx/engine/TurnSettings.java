package agentx.engine;

import agentx.config.AgentXConfig;
import agentx.config.SystemPrompt;
import io.vertx.core.json.JsonObject;

/** What one turn runs with: the engine's config, overridden by the session's {@code config}, then by the message. */
record TurnSettings(
    String model,
    int maxTokens,
    String system,
    Double temperature,
    boolean streamThinking,
    Integer thinkingBudgetTokens,
    int maxLlmCalls,
    boolean toolsEnabled,
    long toolTimeoutMs,
    long contextWindowTokens) {

  static TurnSettings resolve(AgentXConfig config, JsonObject sessionConfig, String messageSystem) {
    String system = messageSystem != null ? messageSystem
        : sessionConfig.getString("system", config.string(AgentXConfig.SYSTEM_PROMPT) != null
            ? config.string(AgentXConfig.SYSTEM_PROMPT) : SystemPrompt.COMFYUI);
    Number temperature = (Number) sessionConfig.getValue("temperature");
    Number budget = (Number) sessionConfig.getValue("thinking_budget_tokens");
    return new TurnSettings(
        sessionConfig.getString("model", config.string(AgentXConfig.MODEL)),
        sessionConfig.getInteger("max_tokens", config.integer(AgentXConfig.MAX_TOKENS)),
        system,
        temperature == null ? null : temperature.doubleValue(),
        sessionConfig.getBoolean("stream_thinking", false),
        budget == null ? null : budget.intValue(),
        sessionConfig.getInteger("max_llm_calls", config.integer(AgentXConfig.MAX_LLM_CALLS)),
        sessionConfig.getBoolean("tools_enabled", true),
        config.integer(AgentXConfig.TOOL_TIMEOUT) * 1000L,
        config.integer(AgentXConfig.CONTEXT_WINDOW));
  }
}
