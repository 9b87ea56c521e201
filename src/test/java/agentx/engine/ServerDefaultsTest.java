package agentx.engine;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.models.ModelCatalog;
import agentx.testing.FakeAnthropic;
import agentx.testing.TestRuntime;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The server's own model settings against the catalogue: refused at start with the reason, and the window context fitting uses. */
@ExtendWith(VertxExtension.class)
class ServerDefaultsTest {
  @TempDir Path dir;

  private Throwable startFailure(Vertx vertx, Map<String, Object> settings) {
    FakeAnthropic claude = FakeAnthropic.start(vertx).await();
    Future<TestRuntime> started = TestRuntime.start(vertx, TestRuntime.withClaude(dir, claude, settings));
    Throwable failure = started.<Throwable>transform(ar -> Future.succeededFuture(ar.cause())).await();
    claude.close();
    assertThat(failure).as("the start should have failed").isNotNull();
    return failure;
  }

  @Test
  @DisplayName("AGENTX_MAX_TOKENS above the default model's maximum output: the start fails saying so")
  void maxTokensTooLarge(Vertx vertx) {
    Throwable failure = startFailure(vertx, Map.of(AgentXConfig.MAX_TOKENS, 200_000));
    assertThat(failure.getMessage()).contains("AGENTX_MAX_TOKENS 200000").contains("128000").contains("claude-sonnet-5-5");
  }

  @Test
  @DisplayName("a broken AGENTX_MODELS_FILE: the start fails naming the file and the wrong field")
  void badModelsFile(Vertx vertx) throws Exception {
    Path file = dir.resolve("models.json");
    Files.writeString(file, new JsonObject().put("models", new JsonArray().add(new JsonObject().put("id", "claude-new")
        .put("family", "sonnet"))).encode());
    Throwable failure = startFailure(vertx, Map.of(AgentXConfig.MODELS_FILE, file.toString()));
    assertThat(failure.getMessage()).contains("AGENTX_MODELS_FILE").contains(file.toString()).contains("claude-new");
    Throwable missing = startFailure(vertx, Map.of(AgentXConfig.MODELS_FILE, dir.resolve("nope.json").toString()));
    assertThat(missing.getMessage()).contains("AGENTX_MODELS_FILE").contains("nope.json");
  }

  @Test
  @DisplayName("AGENTX_CONTEXT_MANAGEMENT other than auto or off: the start fails naming the key and the value")
  void badContextManagement(Vertx vertx) {
    Throwable failure = startFailure(vertx, Map.of(AgentXConfig.CONTEXT_MANAGEMENT, "sometimes"));
    assertThat(failure.getMessage()).contains("AGENTX_CONTEXT_MANAGEMENT").contains("auto or off").contains("sometimes");
  }

  @Test
  @DisplayName("an unknown AGENTX_MODEL (a gateway's own model) still starts: it only gets a warning")
  void unknownModelStarts(Vertx vertx) {
    FakeAnthropic claude = FakeAnthropic.start(vertx).await();
    TestRuntime rt = TestRuntime.start(vertx, TestRuntime.withClaude(dir, claude, Map.of(AgentXConfig.MODEL, "qwen3-coder"))).await();
    assertThat(rt.port()).isPositive();
    claude.close();
  }

  @Test
  @DisplayName("context: the catalogue's window for a known model, AGENTX_CONTEXT_WINDOW for one it does not know")
  void contextWindow() {
    AgentXConfig config = AgentXConfig.from(new JsonObject().put(AgentXConfig.CONTEXT_WINDOW, 50_000));
    ModelCatalog catalog = ModelCatalog.builtIn();
    assertThat(TurnSettings.resolve(config, catalog, new JsonObject(), null).contextWindowTokens()).isEqualTo(1_000_000);
    assertThat(TurnSettings.resolve(config, catalog, new JsonObject().put("model", "claude-haiku-4-5"), null).contextWindowTokens())
        .isEqualTo(200_000);
    assertThat(TurnSettings.resolve(config, catalog, new JsonObject().put("model", "qwen3-coder"), null).contextWindowTokens())
        .isEqualTo(50_000);
  }

  @Test
  @DisplayName("a history larger than the window still answers: old turns are dropped to fit, the newest message kept")
  void longHistoryFits() {
    AgentXConfig config = AgentXConfig.from(new JsonObject().put(AgentXConfig.CONTEXT_WINDOW, 20_000).put(AgentXConfig.MAX_TOKENS, 1_000));
    TurnSettings small = TurnSettings.resolve(config, ModelCatalog.builtIn(), new JsonObject().put("model", "local-model"), "be brief");
    TurnSettings large = TurnSettings.resolve(config, ModelCatalog.builtIn(), new JsonObject(), "be brief");
    List<JsonObject> history = new ArrayList<>();
    String page = "x".repeat(4_000); // about 1,000 tokens by the estimate
    for (int i = 0; i < 100; i++) {
      history.add(new JsonObject().put("role", "user").put("content", new JsonArray().add(text("question " + i + " " + page))));
      history.add(new JsonObject().put("role", "assistant").put("content", new JsonArray().add(text("answer " + i + " " + page))));
    }
    history.add(new JsonObject().put("role", "user").put("content", new JsonArray().add(text("the newest question"))));

    JsonArray fitted = ClaudeRequest.build(small, history, List.of()).getJsonArray("messages");
    assertThat(fitted.size()).isLessThan(history.size()).isGreaterThan(0);
    long estimate = fitted.stream().mapToLong(Conversation::estimateTokens).sum();
    assertThat((long) (estimate * ClaudeRequest.TOKENIZER_MARGIN)).isLessThan(20_000);
    assertThat(fitted.getJsonObject(fitted.size() - 1).encode()).contains("the newest question");
    assertThat(fitted.getJsonObject(0).getString("role")).isEqualTo("user");
    // the same history fits whole in a current model's 1M window
    assertThat(ClaudeRequest.build(large, history, List.of()).getJsonArray("messages")).hasSize(history.size());
  }

  @Test
  @DisplayName("requests with the same tool listing share its Claude form (the last tool a cache breakpoint); a new listing gets its own")
  void toolFormShared() {
    AgentXConfig config = AgentXConfig.from(new JsonObject());
    TurnSettings settings = TurnSettings.resolve(config, ModelCatalog.builtIn(), new JsonObject(), "be brief");
    JsonObject schema = new JsonObject().put("type", "object").put("properties", new JsonObject());
    List<agentx.protocol.ToolSpec> listing = List.of(new agentx.protocol.ToolSpec("list_nodes", "Lists nodes.", schema, null, null),
        new agentx.protocol.ToolSpec("queue_prompt", "Queues a workflow.", schema, null, null));
    List<JsonObject> history = List.of(new JsonObject().put("role", "user").put("content", new JsonArray().add(text("hi"))));

    JsonArray first = ClaudeRequest.build(settings, history, listing).getJsonArray("tools");
    JsonArray second = ClaudeRequest.build(settings, history, listing).getJsonArray("tools");
    assertThat(second).isSameAs(first);
    assertThat(first.getJsonObject(0).fieldNames()).containsExactlyInAnyOrder("name", "description", "input_schema");
    assertThat(first.getJsonObject(1).getJsonObject("cache_control")).isEqualTo(new JsonObject().put("type", "ephemeral"));

    List<agentx.protocol.ToolSpec> changed = List.of(listing.get(0));
    JsonArray third = ClaudeRequest.build(settings, history, changed).getJsonArray("tools");
    assertThat(third).isNotSameAs(first).hasSize(1);
    assertThat(third.getJsonObject(0).getJsonObject("cache_control")).isNotNull();
    assertThat(first.getJsonObject(0).containsKey("cache_control")).as("a shared form is never edited").isFalse();
    // the budget counts the tools: more tools, less room for the conversation
    assertThat(ClaudeRequest.contextBudget(settings, listing)).isLessThan(ClaudeRequest.contextBudget(settings, List.of()));
  }

  private static JsonObject text(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }
}
