package agentx.engine;

import agentx.config.AgentXConfig;
import agentx.config.SystemPrompt;
import agentx.events.ToolApproval;
import agentx.models.Model;
import agentx.models.ModelCatalog;
import agentx.models.RequestSettings;
import agentx.models.RequestShaper;
import io.vertx.core.json.JsonObject;

/**
 * What one turn runs with: the engine's config, overridden by the session's {@code config}, then by the message.
 *
 * @param request the model-dependent fields of every request of the turn ({@code max_tokens}, {@code thinking},
 *     {@code output_config}, {@code temperature}), shaped for the model by the catalogue's rules, with what was left out
 * @param contextWindowTokens the model's window from the catalogue, {@code AGENTX_CONTEXT_WINDOW} for a model it does not know
 * @param contextEditing whether requests carry the API's server-side context editing: the catalogue marks the model
 *     for it and {@code AGENTX_CONTEXT_MANAGEMENT} is not {@code off} (never for a model the catalogue does not know)
 * @param approval which tools need a person's approval ({@code tool_approval})
 * @param approvalTimeoutMs how long an approval waits before it is denied ({@code AGENTX_APPROVAL_TIMEOUT}; 0: forever)
 */
record TurnSettings(
    String model,
    RequestShaper.Shaped request,
    String system,
    boolean streamThinking,
    int maxLlmCalls,
    boolean toolsEnabled,
    long toolTimeoutMs,
    long contextWindowTokens,
    boolean contextEditing,
    Double maxTurnCostUsd,
    Double maxSessionCostUsd,
    ToolApproval approval,
    long approvalTimeoutMs) {

  static TurnSettings resolve(AgentXConfig config, ModelCatalog catalog, JsonObject sessionConfig, String messageSystem) {
    String system = messageSystem != null ? messageSystem
        : sessionConfig.getString("system", config.string(AgentXConfig.SYSTEM_PROMPT) != null
            ? config.string(AgentXConfig.SYSTEM_PROMPT) : SystemPrompt.COMFYUI);
    String model = sessionConfig.getString("model", config.string(AgentXConfig.MODEL));
    Model entry = catalog.lookup(model).orElse(null);
    RequestSettings requested = RequestSettings.fromConfig(sessionConfig, config.integer(AgentXConfig.MAX_TOKENS));
    return new TurnSettings(
        model,
        RequestShaper.shape(model, entry, requested),
        system,
        requested.streamThinking(),
        sessionConfig.getInteger("max_llm_calls", config.integer(AgentXConfig.MAX_LLM_CALLS)),
        sessionConfig.getBoolean("tools_enabled", true),
        config.integer(AgentXConfig.TOOL_TIMEOUT) * 1000L,
        catalog.contextWindow(model, config.integer(AgentXConfig.CONTEXT_WINDOW)),
        entry != null && entry.contextEditing() && config.contextManagement(),
        limit(sessionConfig, "max_turn_cost_usd", config.string(AgentXConfig.MAX_TURN_COST_USD)),
        limit(sessionConfig, "max_session_cost_usd", config.string(AgentXConfig.MAX_SESSION_COST_USD)),
        ToolApproval.of(sessionConfig.getValue("tool_approval")),
        config.integer(AgentXConfig.APPROVAL_TIMEOUT) * 1000L);
  }

  /** A spending limit: the session's setting, else the server's default, else none. */
  private static Double limit(JsonObject sessionConfig, String key, String serverDefault) {
    if (sessionConfig.getValue(key) instanceof Number n) {
      return n.doubleValue();
    }
    return serverDefault == null || serverDefault.isBlank() ? null : Double.valueOf(serverDefault.trim());
  }

  /** {@code max_tokens} as the request sends it (clamped to the model's maximum output). */
  int maxTokens() {
    return request.fields().getInteger("max_tokens");
  }
}
