package agentx.engine;

import agentx.events.JsonText;
import agentx.protocol.HistoryEntry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns the stored history into the {@code messages} of a Claude request, and keeps it inside the
 * model's context window. Pure: no I/O, so tests drive it directly.
 *
 * <p>The stored history can hold what the API refuses: a cancelled answer cut in the middle of a
 * tool_use, a failed turn that left two user messages in a row. Repairs: drop tool_use blocks whose
 * result never came (and results whose call is gone), drop empty text blocks, merge consecutive
 * messages of one role, start with a user message.
 */
final class Conversation {
  static final String TRUNCATED = "[tool result removed to fit the context window]";
  /** Characters a token, in every local estimate of tokens (the context fit's, a cut call's output). */
  static final long CHARS_PER_TOKEN = 4;

  private Conversation() {}

  /** @param history the stored messages, oldest first */
  static List<JsonObject> fromHistory(List<HistoryEntry> history) {
    List<JsonObject> raw = new ArrayList<>();
    for (HistoryEntry m : history) {
      raw.add(new JsonObject().put("role", m.role()).put("content", m.blocks().copy()));
    }
    return repair(raw);
  }

  static List<JsonObject> repair(List<JsonObject> messages) {
    // Which tool_use ids have a result right after them, and which results have their call.
    Set<String> answered = new HashSet<>();
    Set<String> asked = new HashSet<>();
    for (int i = 0; i < messages.size(); i++) {
      JsonObject m = messages.get(i);
      if ("assistant".equals(m.getString("role")) && i + 1 < messages.size()) {
        Set<String> results = ids(messages.get(i + 1).getJsonArray("content"), "tool_result", "tool_use_id");
        for (String id : ids(m.getJsonArray("content"), "tool_use", "id")) {
          if (results.contains(id)) {
            answered.add(id);
            asked.add(id);
          }
        }
      }
    }
    List<JsonObject> out = new ArrayList<>();
    for (JsonObject m : messages) {
      JsonArray kept = new JsonArray();
      for (Object o : m.getJsonArray("content")) {
        JsonObject block = (JsonObject) o;
        if (!(block.getValue("type") instanceof String type)) {
          continue; // a block without a type (stored by an older version from a malformed stream): Claude would refuse it
        }
        boolean keep = switch (type) {
          case "tool_use" -> answered.contains(block.getString("id"));
          case "tool_result" -> asked.contains(block.getString("tool_use_id"));
          case "text" -> !block.getString("text", "").isEmpty();
          default -> true;
        };
        if (keep) {
          kept.add(block);
        }
      }
      if (kept.isEmpty() || onlyThinking(kept)) {
        continue;
      }
      JsonObject last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && last.getString("role").equals(m.getString("role"))) {
        // tool_result blocks must come first in a user message
        JsonArray merged = "user".equals(m.getString("role")) ? mergeUser(last.getJsonArray("content"), kept) : last.getJsonArray("content").addAll(kept);
        last.put("content", merged);
      } else {
        out.add(new JsonObject().put("role", m.getString("role")).put("content", kept));
      }
    }
    while (!out.isEmpty() && !"user".equals(out.get(0).getString("role"))) {
      out.remove(0);
    }
    return out;
  }

  private static boolean onlyThinking(JsonArray blocks) {
    return blocks.stream().allMatch(b -> {
      String t = ((JsonObject) b).getString("type");
      return "thinking".equals(t) || "redacted_thinking".equals(t);
    });
  }

  private static JsonArray mergeUser(JsonArray first, JsonArray second) {
    JsonArray results = new JsonArray();
    JsonArray rest = new JsonArray();
    for (JsonArray part : List.of(first, second)) {
      for (Object o : part) {
        ("tool_result".equals(((JsonObject) o).getString("type")) ? results : rest).add(o);
      }
    }
    return results.addAll(rest);
  }

  private static Set<String> ids(JsonArray blocks, String type, String field) {
    Set<String> ids = new HashSet<>();
    if (blocks != null) {
      for (Object o : blocks) {
        JsonObject b = (JsonObject) o;
        if (type.equals(b.getString("type"))) {
          ids.add(b.getString(field));
        }
      }
    }
    return ids;
  }

  /**
   * A rough token estimate ({@link #CHARS_PER_TOKEN} characters a token, of a text or of JSON as encoded), enough to decide
   * when to trim. The JSON is measured, not encoded: a request's estimate is taken several times per
   * Claude call, and encoding the whole request (the tools' schemas included) each time was the
   * engine's largest cost per call.
   */
  static long estimateTokens(Object json) {
    if (json == null) {
      return 0;
    }
    return (json instanceof String text ? text.length() : JsonText.encodedLength(json)) / CHARS_PER_TOKEN;
  }

  /**
   * Fits the messages into {@code budget} tokens: first old tool results are replaced by a note
   * (oldest first, the last exchange kept), then the oldest whole exchanges are dropped, an
   * exchange being a user text message and everything up to the next one, so a tool_use is never
   * separated from its result. The newest user message is always kept.
   */
  static List<JsonObject> fit(List<JsonObject> messages, long budget) {
    List<JsonObject> out = new ArrayList<>();
    messages.forEach(m -> out.add(m.copy()));
    if (total(out) <= budget) {
      return out;
    }
    for (int i = 0; i < out.size() - 2 && total(out) > budget; i++) {
      for (Object o : out.get(i).getJsonArray("content")) {
        JsonObject block = (JsonObject) o;
        if ("tool_result".equals(block.getString("type")) && !TRUNCATED.equals(block.getValue("content"))) {
          block.put("content", TRUNCATED);
        }
      }
    }
    while (total(out) > budget) {
      int next = nextExchangeStart(out);
      if (next <= 0) {
        break;
      }
      out.subList(0, next).clear();
    }
    return out;
  }

  private static long total(List<JsonObject> messages) {
    long sum = 0;
    for (JsonObject m : messages) {
      sum += estimateTokens(m);
    }
    return sum;
  }

  /** Index of the second exchange's first message, or -1 when there is only one exchange. */
  private static int nextExchangeStart(List<JsonObject> messages) {
    for (int i = 1; i < messages.size(); i++) {
      JsonObject m = messages.get(i);
      if ("user".equals(m.getString("role")) && ids(m.getJsonArray("content"), "tool_result", "tool_use_id").isEmpty()) {
        return i;
      }
    }
    return -1;
  }
}
