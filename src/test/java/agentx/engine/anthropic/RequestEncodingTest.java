package agentx.engine.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RequestEncodingTest {
  private static JsonObject body(JsonArray tools, JsonArray system) {
    return new JsonObject()
        .put("model", "claude-opus-4-5")
        .put("max_tokens", 4096)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user")
            .put("content", "quote \" backslash \\ newline \n tab \t unicode é ✓ \u0001")))
        .put("system", system)
        .put("tools", tools)
        .putNull("temperature")
        .put("stream", true);
  }

  private static JsonArray tools(String name) {
    return new JsonArray().add(new JsonObject().put("name", name).put("description", "d \"q\"")
        .put("input_schema", new JsonObject().put("type", "object").put("properties", new JsonObject())));
  }

  @Test
  @DisplayName("a body encodes to the bytes Vert.x's codec gives it, whether its values are remembered or not")
  void sameBytes() {
    JsonArray tools = tools("search_nodes");
    JsonArray system = new JsonArray().add(new JsonObject().put("type", "text").put("text", "You help with ComfyUI."));
    JsonObject before = body(tools, system);
    assertThat(RequestEncoding.encode(before).toString(StandardCharsets.UTF_8)).isEqualTo(before.encode());

    RequestEncoding.remember(tools);
    RequestEncoding.remember(system);
    JsonObject after = body(tools, system);
    assertThat(RequestEncoding.encode(after).toString(StandardCharsets.UTF_8)).isEqualTo(after.encode());
  }

  @Test
  @DisplayName("a value is known by identity: an equal list built anew is encoded from itself, and the oldest remembered are forgotten")
  void byIdentity() {
    JsonArray remembered = tools("a");
    RequestEncoding.remember(remembered);
    JsonArray other = tools("b");
    JsonObject body = body(other, new JsonArray());
    assertThat(RequestEncoding.encode(body).toString(StandardCharsets.UTF_8)).isEqualTo(body.encode()).contains("\"b\"");
    for (int i = 0; i <= RequestEncoding.REMEMBERED; i++) {
      RequestEncoding.remember(tools("t" + i));
    }
    JsonObject again = body(remembered, new JsonArray());
    assertThat(RequestEncoding.encode(again).toString(StandardCharsets.UTF_8)).isEqualTo(again.encode());
  }

  @Test
  @DisplayName("a remembered value is encoded once: its bytes are reused, not made again (which is why it must never change)")
  void encodedOnce() {
    JsonArray tools = tools("first_name");
    RequestEncoding.remember(tools);
    tools.getJsonObject(0).put("name", "changed_later");
    String encoded = RequestEncoding.encode(body(tools, new JsonArray())).toString(StandardCharsets.UTF_8);
    assertThat(encoded).contains("first_name").doesNotContain("changed_later");
  }
}
