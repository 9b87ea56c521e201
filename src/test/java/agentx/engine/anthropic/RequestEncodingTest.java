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
  @DisplayName("a body encodes to the bytes Vert.x's codec gives it, whether its values are encoded once or not")
  void sameBytes() {
    JsonArray tools = tools("search_nodes");
    JsonArray system = new JsonArray().add(new JsonObject().put("type", "text").put("text", "You help with ComfyUI."));
    JsonObject before = body(tools, system);
    assertThat(RequestEncoding.encode(before).toString(StandardCharsets.UTF_8)).isEqualTo(before.encode());

    JsonObject after = body(RequestEncoding.encodedOnce(tools), RequestEncoding.encodedOnce(system));
    assertThat(RequestEncoding.encode(after).toString(StandardCharsets.UTF_8)).isEqualTo(after.encode()).isEqualTo(before.encode());
  }

  @Test
  @DisplayName("any number of values encoded once keep their bytes: a hundred system prompts in use do not push the tool list's out")
  void manyAtOnce() {
    JsonArray tools = RequestEncoding.encodedOnce(tools("first_name"));
    tools.getJsonObject(0).put("name", "changed_later"); // never done; shows the bytes made at first are the ones used
    for (int i = 0; i < 100; i++) {
      JsonArray system = RequestEncoding.encodedOnce(new JsonArray().add(new JsonObject().put("type", "text").put("text", "prompt " + i)));
      String encoded = RequestEncoding.encode(body(tools, system)).toString(StandardCharsets.UTF_8);
      assertThat(encoded).contains("first_name").doesNotContain("changed_later").contains("\"prompt " + i + "\"");
    }
  }

  @Test
  @DisplayName("an array encoded once is an ordinary JSON array otherwise; encoding it once more keeps the same object")
  void ordinaryArray() {
    JsonArray plain = tools("a");
    JsonArray once = RequestEncoding.encodedOnce(plain);
    assertThat(once.getList()).isSameAs(plain.getList()); // the same values (JsonArray.equals also compares the class)
    assertThat(once.encode()).isEqualTo(plain.encode());
    assertThat(once.getJsonObject(0).getString("name")).isEqualTo("a");
    assertThat(RequestEncoding.encodedOnce(once)).isSameAs(once);
    JsonObject copied = body(once, new JsonArray()).copy();
    assertThat(RequestEncoding.encode(copied).toString(StandardCharsets.UTF_8)).isEqualTo(copied.encode());
  }
}
