package agentx.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the Claude Messages API refuses with 400 {@code invalid_request_error}, by model id, as the
 * fake Claude applies it. Written from the Claude documentation's model, migration and thinking
 * pages (late 2026) and the error texts users report, independently of the runtime's model
 * catalogue: a test that passes against these rules is not the catalogue agreeing with itself.
 *
 * <p>The 5.x models (ids {@code claude-<family>-5[-<minor>]}, no date suffix): thinking budgets
 * ({@code thinking.type "enabled"}) are refused; {@code "disabled"} is refused by Opus 5.5, Sonnet
 * 5.5, Fable and Mythos, and by Haiku 5.5 and Opus 5 above effort high; {@code "between_tools"} is
 * Sonnet 5.5's, at effort high or below; non-default sampling parameters are refused; an assistant
 * prefill is refused (Sonnet 5 aside); a forced {@code tool_choice} is refused by Opus 5.5, Sonnet
 * 5.5, Fable 5.1/5.2, and by any model while it thinks. The 4.5 and older models refuse adaptive
 * thinking and effort values they do not have. Message texts marked "observed" are the API's own.
 */
public final class CurrentApiRules {
  private static final Pattern FIVE = Pattern.compile("claude-(opus|sonnet|haiku|fable|mythos)-5(-\\d+)?");
  private static final Pattern BUDGET_ONLY = Pattern.compile("claude-(opus|sonnet|haiku)-4-5.*|claude-(opus|sonnet)-4-(0|1).*"
      + "|claude-(opus|sonnet)-4-20.*|claude-3-.*");
  private static final List<String> EFFORTS = List.of("low", "medium", "high", "xhigh", "max");
  private static final List<String> ALWAYS_THINKING = List.of("claude-opus-5-5", "claude-sonnet-5-5", "claude-fable-5", "claude-fable-5-1",
      "claude-fable-5-2", "claude-mythos-5", "claude-mythos-5-1");
  private static final List<String> NO_FORCED_TOOL = List.of("claude-opus-5-5", "claude-sonnet-5-5", "claude-fable-5-1", "claude-fable-5-2",
      "claude-mythos-5-1");

  private CurrentApiRules() {}

  /** Whether these rules know the id as one of the current (5.x) models. */
  public static boolean isFiveX(String model) {
    return model != null && FIVE.matcher(model).matches();
  }

  /** The 400 message the API answers {@code body} with, or empty when it takes the request. */
  public static Optional<String> refusal(JsonObject body) {
    if (body == null) {
      return Optional.of("Request body must be a JSON object.");
    }
    String model = body.getString("model", "");
    JsonObject thinking = body.getValue("thinking") instanceof JsonObject t ? t : null;
    String type = thinking == null ? null : thinking.getString("type");
    String effort = body.getValue("output_config") instanceof JsonObject c ? c.getString("effort") : null;

    if (effort != null && !EFFORTS.contains(effort)) {
      return Optional.of("output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'"); // constructed
    }
    if (thinking != null && thinking.containsKey("display")
        && !List.of("summarized", "omitted").contains(thinking.getString("display"))) {
      return Optional.of("thinking.display: Input should be 'summarized' or 'omitted'"); // constructed
    }
    if (BUDGET_ONLY.matcher(model).matches()) {
      if ("adaptive".equals(type)) {
        return Optional.of("adaptive thinking is not supported on this model"); // observed
      }
      return Optional.empty();
    }
    if (!isFiveX(model)) {
      return Optional.empty();
    }
    boolean highEffort = "xhigh".equals(effort) || "max".equals(effort);
    if ("enabled".equals(type)) {
      return Optional.of("\"thinking.type.enabled\" is not supported for this model. Use \"thinking.type.adaptive\" and "
          + "\"output_config.effort\" to control thinking behavior."); // observed
    }
    if ("disabled".equals(type) && (ALWAYS_THINKING.contains(model)
        || (List.of("claude-haiku-5-5", "claude-opus-5").contains(model) && highEffort))) {
      return Optional.of("\"thinking.type.disabled\" is not supported for this model" + (highEffort ? " at this effort" : "")
          + ". Use \"output_config.effort\" to control thinking behavior."); // constructed
    }
    if ("between_tools".equals(type) && (!"claude-sonnet-5-5".equals(model) || highEffort)) {
      return Optional.of("\"thinking.type.between_tools\" is not supported for this model" + (highEffort ? " at this effort" : "")
          + "."); // constructed
    }
    if (type != null && !List.of("adaptive", "disabled", "between_tools").contains(type)) {
      return Optional.of("thinking.type: Input tag '" + type + "' does not match any of the expected tags"); // constructed
    }
    for (String sampling : List.of("temperature", "top_p", "top_k")) {
      Object v = body.getValue(sampling);
      boolean isDefault = v instanceof Number n && n.doubleValue() == 1.0 && !"top_k".equals(sampling);
      if (v != null && !isDefault) {
        return Optional.of(sampling + " is deprecated for this model."); // observed
      }
    }
    JsonArray messages = body.getJsonArray("messages", new JsonArray());
    if (!messages.isEmpty() && "assistant".equals(messages.getJsonObject(messages.size() - 1).getString("role"))
        && !"claude-sonnet-5".equals(model)) {
      return Optional.of("This model does not support assistant message prefill. The conversation must end with a user message."); // observed
    }
    JsonObject toolChoice = body.getValue("tool_choice") instanceof JsonObject c ? c : null;
    boolean forced = toolChoice != null && List.of("any", "tool").contains(toolChoice.getString("type"));
    boolean thinks = type == null || "adaptive".equals(type);
    if (forced && (NO_FORCED_TOOL.contains(model) || thinks)) {
      return Optional.of("Thinking may not be enabled when tool_choice forces tool use."); // observed
    }
    return Optional.empty();
  }

  /**
   * The models the context-editing page lists (its supportedModels, late 2026), written here from the
   * page itself rather than from the runtime's catalogue.
   */
  public static final List<String> CONTEXT_EDITING = List.of("claude-fable-5-1", "claude-mythos-5-1", "claude-fable-5", "claude-mythos-5",
      "claude-mythos-preview", "claude-opus-5-5", "claude-opus-5", "claude-sonnet-5-5", "claude-sonnet-5", "claude-haiku-5-5",
      "claude-haiku-4-5-20251001", "claude-opus-4-8", "claude-opus-4-7", "claude-opus-4-6", "claude-sonnet-4-6", "claude-opus-4-5-20251101",
      "claude-sonnet-4-5-20250929");
  public static final String CONTEXT_MANAGEMENT_BETA = "context-management-2025-06-27";
  private static final List<String> EDIT_TYPES = List.of("clear_tool_uses_20250919", "clear_thinking_20251015");
  /** The top-level fields count_tokens takes; max_tokens, stream, sampling and metadata it refuses. */
  private static final List<String> COUNT_FIELDS = List.of("model", "messages", "system", "tools", "tool_choice", "thinking",
      "context_management", "mcp_servers", "output_config", "output_format");

  /**
   * The 400 for a {@code context_management} the request may not carry: without the beta header it is
   * an unknown field; with it, a model the page does not list, or an edit of the wrong shape, is refused.
   */
  public static Optional<String> contextManagementRefusal(JsonObject body, List<String> betaHeaders) {
    if (body == null || !body.containsKey("context_management")) {
      return Optional.empty();
    }
    boolean beta = betaHeaders.stream().flatMap(h -> java.util.Arrays.stream(h.split(","))).map(String::strip)
        .anyMatch(CONTEXT_MANAGEMENT_BETA::equals);
    if (!beta) {
      return Optional.of("context_management: Extra inputs are not permitted"); // the API's text for an unknown field
    }
    String model = body.getString("model", "");
    if (!CONTEXT_EDITING.contains(model)) {
      return Optional.of("context_management is not supported for model '" + model + "'"); // constructed
    }
    if (!(body.getValue("context_management") instanceof JsonObject cm) || !(cm.getValue("edits") instanceof JsonArray edits)) {
      return Optional.of("context_management.edits: Field required"); // constructed
    }
    for (int i = 0; i < edits.size(); i++) {
      JsonObject edit = edits.getValue(i) instanceof JsonObject e ? e : new JsonObject();
      String where = "context_management.edits." + i;
      if (!EDIT_TYPES.contains(edit.getString("type"))) {
        return Optional.of(where + ": Input tag '" + edit.getValue("type") + "' does not match any of the expected tags"); // constructed
      }
      for (String threshold : List.of("trigger", "keep")) {
        Object t = edit.getValue(threshold);
        if (t == null) {
          continue;
        }
        if (!(t instanceof JsonObject o) || !(o.getValue("value") instanceof Number n) || n.longValue() < 0
            || n.doubleValue() != Math.rint(n.doubleValue()) || !List.of("input_tokens", "tool_uses").contains(o.getString("type"))) {
          return Optional.of(where + "." + threshold + ": Input should be {type: input_tokens|tool_uses, value: integer}"); // constructed
        }
      }
    }
    return Optional.empty();
  }

  /** The 400 {@code POST /v1/messages/count_tokens} answers {@code body} with, or empty when it counts it. */
  public static Optional<String> countRefusal(JsonObject body) {
    if (body == null) {
      return Optional.of("Request body must be a JSON object.");
    }
    for (String field : body.fieldNames()) {
      if (!COUNT_FIELDS.contains(field)) {
        return Optional.of(field + ": Extra inputs are not permitted"); // observed (max_tokens sent to count_tokens)
      }
    }
    if (!(body.getValue("model") instanceof String model) || model.isEmpty()) {
      return Optional.of("model: Field required");
    }
    if (!(body.getValue("messages") instanceof JsonArray messages)) {
      return Optional.of("messages: Field required");
    }
    for (int i = 0; i < messages.size(); i++) {
      JsonObject m = messages.getValue(i) instanceof JsonObject o ? o : new JsonObject();
      if (!List.of("user", "assistant").contains(m.getString("role"))) {
        return Optional.of("messages." + i + ".role: Input should be 'user' or 'assistant'");
      }
      if (!(m.getValue("content") instanceof String) && !(m.getValue("content") instanceof JsonArray)) {
        return Optional.of("messages." + i + ".content: Input should be a valid list");
      }
    }
    return Optional.empty();
  }

  /** Whether the model thinks up front for this request (5.x: on unless turned off; older: only when asked). */
  public static boolean thinks(JsonObject body) {
    JsonObject thinking = body.getValue("thinking") instanceof JsonObject t ? t : null;
    String type = thinking == null ? null : thinking.getString("type");
    if (isFiveX(body.getString("model"))) {
      return type == null || "adaptive".equals(type);
    }
    return "adaptive".equals(type) || "enabled".equals(type);
  }

  /** Whether the thinking text is streamed (display summarized), rather than omitted (empty, signature only). */
  public static boolean showsThinking(JsonObject body) {
    JsonObject thinking = body.getValue("thinking") instanceof JsonObject t ? t : null;
    String display = thinking == null ? null : thinking.getString("display");
    if (display != null) {
      return "summarized".equals(display);
    }
    return !isFiveX(body.getString("model"));
  }
}
