package agentx.events;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The per-session {@code config} object: which keys exist and what type each has. Unknown keys and
 * wrong types are refused, naming the field, so a typo never silently does nothing.
 */
public final class SessionConfig {
  private enum Type { STRING, INTEGER, NUMBER, BOOLEAN }

  private static final Map<String, Type> KEYS = Map.of(
      "model", Type.STRING,
      "max_tokens", Type.INTEGER,
      "system", Type.STRING,
      "temperature", Type.NUMBER,
      "stream_thinking", Type.BOOLEAN,
      "thinking_budget_tokens", Type.INTEGER,
      "max_llm_calls", Type.INTEGER,
      "tools_enabled", Type.BOOLEAN);

  private SessionConfig() {}

  /** @throws AgentXException VALIDATION_FAILED naming the first bad field */
  public static JsonObject validate(JsonObject config) {
    for (String key : config.fieldNames()) {
      Type type = KEYS.get(key);
      if (type == null) {
        throw invalid("config." + key + " is not a known setting (known: " + String.join(", ", KEYS.keySet().stream().sorted().toList()) + ").");
      }
      Object value = config.getValue(key);
      if (value == null) {
        continue;
      }
      boolean ok = switch (type) {
        case STRING -> value instanceof String;
        case INTEGER -> value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.longValue() > 0;
        case NUMBER -> value instanceof Number;
        case BOOLEAN -> value instanceof Boolean;
      };
      if (!ok) {
        throw invalid("config." + key + " must be " + switch (type) {
          case STRING -> "a string";
          case INTEGER -> "a positive whole number";
          case NUMBER -> "a number";
          case BOOLEAN -> "true or false";
        } + ".");
      }
    }
    if (config.getValue("temperature") instanceof Number t && (t.doubleValue() < 0 || t.doubleValue() > 1)) {
      throw invalid("config.temperature must be between 0 and 1.");
    }
    return config;
  }

  private static AgentXException invalid(String sentence) {
    return new AgentXException(ErrorCode.VALIDATION_FAILED, sentence);
  }
}
