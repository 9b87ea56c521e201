package agentx.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ConversationTest {
  private static JsonObject text(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }

  private static JsonObject toolUse(String id) {
    return new JsonObject().put("type", "tool_use").put("id", id).put("name", "search_nodes").put("input", new JsonObject());
  }

  private static JsonObject toolResult(String id, String content) {
    return new JsonObject().put("type", "tool_result").put("tool_use_id", id).put("content", content);
  }

  private static JsonObject msg(String role, JsonObject... blocks) {
    return new JsonObject().put("role", role).put("content", new JsonArray(List.of((Object[]) blocks)));
  }

  private static List<String> types(JsonObject message) {
    return message.getJsonArray("content").stream().map(b -> ((JsonObject) b).getString("type")).toList();
  }

  @Test
  @DisplayName("repair drops a tool_use whose result never came, merges two user messages, and starts with a user message")
  void repair() {
    List<JsonObject> stored = List.of(
        msg("assistant", text("orphan greeting")),
        msg("user", text("first")),
        msg("assistant", text("let me look"), toolUse("toolu_cut")), // cancelled before the tool ran
        msg("user", text("second")),
        msg("user", text("third")),
        msg("assistant", text("")));
    List<JsonObject> repaired = Conversation.repair(new ArrayList<>(stored));

    assertThat(repaired).extracting(m -> m.getString("role")).containsExactly("user", "assistant", "user");
    assertThat(types(repaired.get(1))).containsExactly("text");
    assertThat(repaired.get(2).getJsonArray("content").stream().map(b -> ((JsonObject) b).getString("text")))
        .containsExactly("second", "third");
  }

  @Test
  @DisplayName("repair drops a stored block without a type (an older version stored one from a malformed stream) instead of failing")
  void repairDropsTypelessBlocks() {
    List<JsonObject> repaired = Conversation.repair(new ArrayList<>(List.of(
        msg("user", text("hi")),
        msg("assistant", new JsonObject(), text("hello")),
        msg("user", text("again")))));
    assertThat(repaired).hasSize(3);
    assertThat(repaired.get(1).getJsonArray("content")).containsExactly(text("hello"));
  }

  @Test
  @DisplayName("repair keeps answered tool calls and puts tool_result blocks first when user messages merge")
  void repairKeepsAnsweredCalls() {
    List<JsonObject> repaired = Conversation.repair(new ArrayList<>(List.of(
        msg("user", text("find a sampler")),
        msg("assistant", toolUse("toolu_1")),
        msg("user", toolResult("toolu_1", "KSampler")),
        msg("user", text("and now?")))));
    assertThat(repaired).hasSize(3);
    assertThat(types(repaired.get(1))).containsExactly("tool_use");
    assertThat(types(repaired.get(2))).containsExactly("tool_result", "text");
  }

  @Test
  @DisplayName("fit truncates old tool results first, and keeps every exchange when that is enough")
  void fitTruncatesToolResultsFirst() {
    String big = "x".repeat(40_000); // ~10,000 tokens
    List<JsonObject> messages = List.of(
        msg("user", text("find a sampler")),
        msg("assistant", toolUse("toolu_1")),
        msg("user", toolResult("toolu_1", big)),
        msg("assistant", text("KSampler it is")),
        msg("user", text("thanks, now validate")));
    List<JsonObject> fitted = Conversation.fit(messages, 2_000);

    assertThat(fitted).hasSize(5);
    assertThat(fitted.get(2).getJsonArray("content").getJsonObject(0).getString("content")).isEqualTo(Conversation.TRUNCATED);
    assertThat(fitted.get(1).getJsonArray("content").getJsonObject(0).getString("id")).isEqualTo("toolu_1");
    assertThat(messages.get(2).getJsonArray("content").getJsonObject(0).getString("content")).isEqualTo(big); // input untouched
  }

  @Test
  @DisplayName("fit then drops the oldest whole exchanges, never splitting a tool_use from its result, and keeps the newest message")
  void fitDropsOldestExchanges() {
    String chatter = "y".repeat(8_000); // ~2,000 tokens each
    List<JsonObject> messages = List.of(
        msg("user", text("old question " + chatter)),
        msg("assistant", text("old answer " + chatter), toolUse("toolu_old")),
        msg("user", toolResult("toolu_old", "small")),
        msg("assistant", text("old wrap-up " + chatter)),
        msg("user", text("middle question")),
        msg("assistant", toolUse("toolu_mid")),
        msg("user", toolResult("toolu_mid", "small")),
        msg("assistant", text("middle answer")),
        msg("user", text("newest question")));
    List<JsonObject> fitted = Conversation.fit(messages, 1_000);

    assertThat(fitted.get(0).getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("middle question");
    assertThat(fitted.get(fitted.size() - 1).getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("newest question");
    for (int i = 0; i < fitted.size(); i++) {
      for (Object o : fitted.get(i).getJsonArray("content")) {
        JsonObject block = (JsonObject) o;
        if ("tool_use".equals(block.getString("type"))) {
          JsonObject next = fitted.get(i + 1).getJsonArray("content").getJsonObject(0);
          assertThat(next.getString("tool_use_id")).isEqualTo(block.getString("id"));
        }
        if ("tool_result".equals(block.getString("type"))) {
          assertThat(fitted.get(i - 1).getJsonArray("content").stream()
              .anyMatch(b -> block.getString("tool_use_id").equals(((JsonObject) b).getString("id")))).isTrue();
        }
      }
    }
  }

  @Test
  @DisplayName("fit keeps the newest user message even when it alone is over the budget")
  void fitKeepsNewest() {
    List<JsonObject> fitted = Conversation.fit(List.of(msg("user", text("z".repeat(20_000)))), 100);
    assertThat(fitted).hasSize(1);
  }
}
