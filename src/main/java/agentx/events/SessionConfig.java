package agentx.events;

import io.vertx.core.json.DecodeException;
import agentx.models.ConfigCheck;
import agentx.models.ModelCatalog;
import agentx.models.RequestShaper;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-session {@code config} object: which keys exist, what type each has and which values the
 * engine can use. Unknown keys, wrong types and numbers out of range are refused, naming the field,
 * so a typo never silently does nothing and a number never wraps or turns into "Infinity".
 */
public final class SessionConfig {
  private static final Logger log = LoggerFactory.getLogger(SessionConfig.class);

  private static final int MAX_MODEL_ID = 200;

  private enum Type { STRING, INTEGER, NUMBER, BOOLEAN, TOOL_APPROVAL }

  /** A key's type and, for numbers, its inclusive range. */
  private record Rule(Type type, double min, double max) {
    static Rule of(Type type) {
      return new Rule(type, 0, 0);
    }
  }

  private static final Map<String, Rule> KEYS = Map.ofEntries(
      Map.entry("model", Rule.of(Type.STRING)),
      Map.entry("max_tokens", new Rule(Type.INTEGER, 1, 1_000_000)),
      Map.entry("system", Rule.of(Type.STRING)),
      Map.entry("temperature", new Rule(Type.NUMBER, 0, 1)),
      Map.entry("stream_thinking", Rule.of(Type.BOOLEAN)),
      Map.entry("thinking_budget_tokens", new Rule(Type.INTEGER, 1_024, 1_000_000)),
      // effort, thinking and thinking_display: their values and what each model takes are ConfigCheck's
      Map.entry("effort", Rule.of(Type.STRING)),
      Map.entry("thinking", Rule.of(Type.STRING)),
      Map.entry("thinking_display", Rule.of(Type.STRING)),
      Map.entry("max_llm_calls", new Rule(Type.INTEGER, 1, 1_000)),
      Map.entry("tools_enabled", Rule.of(Type.BOOLEAN)),
      Map.entry("max_turn_cost_usd", new Rule(Type.NUMBER, 0, 1_000_000)),
      Map.entry("max_session_cost_usd", new Rule(Type.NUMBER, 0, 1_000_000)),
      Map.entry("tool_approval", Rule.of(Type.TOOL_APPROVAL)));

  private SessionConfig() {}

  /** @throws AgentXException VALIDATION_FAILED naming the first bad field */
  public static JsonObject validate(JsonObject config) {
    for (String key : config.fieldNames()) {
      String problem = problem(key, config.getValue(key));
      if (problem != null) {
        throw new AgentXException(ErrorCode.VALIDATION_FAILED, problem);
      }
    }
    return config;
  }

  /**
   * {@link #validate(JsonObject)}, then what the session's model would refuse (the model catalogue's
   * rules, {@link ConfigCheck}): a temperature for a model without sampling parameters, a thinking
   * budget for an adaptive-only model, an effort it does not list... The model is the config's
   * {@code model}, else {@code defaultModel}.
   *
   * @throws AgentXException VALIDATION_FAILED naming the field and the model, with details
   *     {@code {field, model}}
   */
  public static JsonObject validate(JsonObject config, ModelCatalog catalog, String defaultModel, int defaultMaxTokens) {
    validate(config);
    List<RequestShaper.Violation> violations = ConfigCheck.violations(catalog, config, defaultModel, defaultMaxTokens);
    if (!violations.isEmpty()) {
      RequestShaper.Violation first = violations.get(0);
      throw new AgentXException(ErrorCode.VALIDATION_FAILED, first.message(), new JsonObject()
          .put("field", "config." + first.field()).put("model", ConfigCheck.modelOf(config, defaultModel)));
    }
    return config;
  }

  /**
   * A stored config as the engine may use it: rows written before these checks existed (or by hand)
   * can hold text that is not JSON, "Infinity" or numbers beyond an int. Such values are dropped
   * with a warning, so the session falls back to the defaults instead of failing every turn.
   */
  public static JsonObject repair(String stored, String sessionId) {
    JsonObject config;
    try {
      config = stored == null ? new JsonObject() : new JsonObject(stored);
    } catch (DecodeException | ClassCastException e) {
      log.warn("Session {}: its stored config is not a JSON object; using the defaults", sessionId);
      return new JsonObject();
    }
    for (String key : config.fieldNames().toArray(new String[0])) {
      String problem = problem(key, config.getValue(key));
      if (problem != null) {
        log.warn("Session {}: ignoring a stored setting the engine cannot use: {}", sessionId, problem);
        config.remove(key);
      }
    }
    return config;
  }

  /** Why {@code value} is not acceptable for {@code key}, or null when it is. */
  private static String problem(String key, Object value) {
    Rule rule = KEYS.get(key);
    if (rule == null) {
      return "config." + key + " is not a known setting (known: " + String.join(", ", KEYS.keySet().stream().sorted().toList()) + ").";
    }
    if (value == null) {
      // PATCH replaces the whole config: a key left out is the default, so null means nothing the engine could use
      return "config." + key + " may not be null: leave it out for the default.";
    }
    if (rule.type() == Type.TOOL_APPROVAL) {
      return ToolApproval.problem(value);
    }
    boolean typed = switch (rule.type()) {
      case STRING -> value instanceof String;
      case INTEGER -> value instanceof Number n && Double.isFinite(n.doubleValue()) && n.doubleValue() == Math.rint(n.doubleValue());
      case NUMBER -> value instanceof Number n && Double.isFinite(n.doubleValue());
      case BOOLEAN -> value instanceof Boolean;
      case TOOL_APPROVAL -> true;
    };
    if (!typed) {
      return "config." + key + " must be " + switch (rule.type()) {
        case STRING -> "a string";
        case INTEGER -> "a whole number";
        case NUMBER -> "a finite number";
        case BOOLEAN -> "true or false";
        case TOOL_APPROVAL -> "an object";
      } + ".";
    }
    if (value instanceof Number n && (n.doubleValue() < rule.min() || n.doubleValue() > rule.max())) {
      return "config." + key + " must be between " + format(rule.min()) + " and " + format(rule.max()) + ".";
    }
    if (key.equals("model") && !isModelId((String) value)) {
      return "config.model must be a model id: 1 to " + MAX_MODEL_ID + " characters, no spaces or control characters.";
    }
    return null;
  }

  /** Claude's ids ({@code claude-sonnet-5-5}) and gateways' ({@code ollama/llama3:8b}, {@code us.anthropic.claude-…}). */
  private static boolean isModelId(String model) {
    return !model.isEmpty() && model.length() <= MAX_MODEL_ID && model.chars().noneMatch(c -> c <= ' ' || c == 0x7f);
  }

  private static String format(double bound) {
    return bound == Math.rint(bound) ? String.valueOf((long) bound) : String.valueOf(bound);
  }
}
