package agentx.events;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The session config {@code tool_approval}: tool names or patterns ({@code run_workflow},
 * {@code mcp__*}, {@code *}) mapped to {@code allow}, {@code ask} or {@code deny}. The most specific
 * entry wins: the exact name, then the longest matching {@code prefix*}, then {@code *}; a tool no
 * entry matches is allowed.
 */
public final class ToolApproval {
  public enum Policy { ALLOW, ASK, DENY }

  /** A tool name, or a prefix followed by {@code *}, or {@code *} alone. */
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.:-]{1,128}\\*?|\\*");
  private static final int MAX_ENTRIES = 200;

  private final Map<String, Policy> entries;

  private ToolApproval(Map<String, Policy> entries) {
    this.entries = entries;
  }

  public static final ToolApproval ALLOW_ALL = new ToolApproval(Map.of());

  /** Why {@code value} is not a valid {@code tool_approval}, or null when it is. */
  public static String problem(Object value) {
    if (!(value instanceof JsonObject map)) {
      return "config.tool_approval must be an object of tool names or patterns to allow, ask or deny"
          + " (e.g. {\"run_workflow\": \"ask\", \"mcp__*\": \"deny\"}).";
    }
    if (map.size() > MAX_ENTRIES) {
      return "config.tool_approval may have at most " + MAX_ENTRIES + " entries.";
    }
    for (String key : map.fieldNames()) {
      if (!KEY.matcher(key).matches()) {
        return "config.tool_approval: '" + key + "' is not a tool name or pattern (a name, a prefix followed by *, or *).";
      }
      Object policy = map.getValue(key);
      if (!(policy instanceof String p) || parse(p) == null) {
        return "config.tool_approval." + key + " must be \"allow\", \"ask\" or \"deny\".";
      }
    }
    return null;
  }

  /** The policy map of a config already validated; a bad or missing one allows everything. */
  public static ToolApproval of(Object value) {
    if (value == null || problem(value) != null) {
      return ALLOW_ALL;
    }
    JsonObject map = (JsonObject) value;
    Map<String, Policy> entries = new java.util.HashMap<>();
    map.fieldNames().forEach(k -> entries.put(k, parse(map.getString(k))));
    return new ToolApproval(Map.copyOf(entries));
  }

  private static Policy parse(String text) {
    return switch (text) {
      case "allow" -> Policy.ALLOW;
      case "ask" -> Policy.ASK;
      case "deny" -> Policy.DENY;
      default -> null;
    };
  }

  public Policy policyFor(String toolName) {
    Policy exact = entries.get(toolName);
    if (exact != null) {
      return exact;
    }
    String best = null;
    for (String key : entries.keySet()) {
      if (key.length() > 1 && key.endsWith("*") && toolName.startsWith(key.substring(0, key.length() - 1))
          && (best == null || key.length() > best.length())) {
        best = key;
      }
    }
    if (best != null) {
      return entries.get(best);
    }
    return entries.getOrDefault("*", Policy.ALLOW);
  }
}
