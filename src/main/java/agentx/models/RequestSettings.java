package agentx.models;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The settings that decide a Messages request's model-dependent fields, whatever their source
 * (engine config, then session {@code config}).
 *
 * @param maxTokens {@code max_tokens}
 * @param effort {@code output_config.effort}: one of {@link #EFFORT_LEVELS}, or null for the model's default
 * @param thinking "adaptive" (think, adaptively), "off" (no up-front thinking), or null for the model's default
 * @param thinkingDisplay {@code thinking.display}: one of {@link #THINKING_DISPLAYS}, or null
 * @param thinkingBudgetTokens a fixed thinking budget ({@code thinking.type "enabled"}), older models only
 * @param temperature sampling temperature, models that take sampling parameters only
 * @param streamThinking whether the client wants thinking text streamed (asks for a summarized display
 *     on models whose thinking text is omitted by default)
 */
public record RequestSettings(
    int maxTokens,
    String effort,
    String thinking,
    String thinkingDisplay,
    Integer thinkingBudgetTokens,
    Double temperature,
    boolean streamThinking) {

  /** {@code output_config.effort} values the API defines, lowest first. */
  public static final List<String> EFFORT_LEVELS = List.of("low", "medium", "high", "xhigh", "max");
  /** {@code thinking.display} values the documentation names. */
  public static final List<String> THINKING_DISPLAYS = List.of("summarized", "omitted");
  /** Values of the session setting {@code thinking}. */
  public static final List<String> THINKING_CHOICES = List.of("adaptive", "off");
  /** The smallest thinking budget the API takes. */
  public static final int MIN_THINKING_BUDGET = 1024;

  /**
   * Reads a session {@code config} object (keys {@code max_tokens, effort, thinking,
   * thinking_display, thinking_budget_tokens, temperature, stream_thinking}); {@code max_tokens}
   * falls back to {@code defaultMaxTokens}. Types are SessionConfig's business; a wrong type here
   * throws ClassCastException.
   */
  public static RequestSettings fromConfig(JsonObject config, int defaultMaxTokens) {
    Number max = (Number) config.getValue("max_tokens");
    Number budget = (Number) config.getValue("thinking_budget_tokens");
    Number temperature = (Number) config.getValue("temperature");
    return new RequestSettings(
        max == null ? defaultMaxTokens : max.intValue(),
        config.getString("effort"),
        config.getString("thinking"),
        config.getString("thinking_display"),
        budget == null ? null : budget.intValue(),
        temperature == null ? null : temperature.doubleValue(),
        config.getBoolean("stream_thinking", false));
  }

  /** {@code a} is a higher effort than {@code b} (unknown values compare as lowest). */
  static boolean above(String a, String b) {
    return EFFORT_LEVELS.indexOf(a) > EFFORT_LEVELS.indexOf(b);
  }
}
