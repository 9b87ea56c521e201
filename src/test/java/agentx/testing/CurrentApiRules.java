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
