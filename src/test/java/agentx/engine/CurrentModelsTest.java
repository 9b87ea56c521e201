package agentx.engine;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.protocol.ToolResult;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.FakeAnthropic.ToolUseSpec;
import agentx.testing.FakeTools;
import agentx.testing.TestRuntime;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 end to end: the runtime against a fake Claude that applies the current API's rules to
 * the 5.x model ids (a thinking budget, disabled thinking, a non-default temperature, a prefill or a
 * forced tool choice answer 400, thinking comes as adaptive blocks with signatures). Real verticles,
 * real SQLite; only Claude and the tools service are fakes.
 */
@ExtendWith(VertxExtension.class)
class CurrentModelsTest {
  private static final String SESSIONS = "/api/agentx/sessions";
  private static final List<String> CURRENT = List.of("claude-sonnet-5-5", "claude-opus-5-5", "claude-haiku-5-5", "claude-fable-5-1",
      "claude-fable-5-2", "claude-opus-5", "claude-sonnet-5");

  @TempDir Path dir;
  FakeAnthropic claude;
  TestRuntime rt;

  private void start(Vertx vertx, Map<String, Object> extra) {
    claude = FakeAnthropic.start(vertx).await();
    rt = TestRuntime.start(vertx, TestRuntime.withClaude(dir, claude, extra)).await();
  }

  @AfterEach
  void stopFake() {
    if (claude != null) {
      claude.close();
    }
  }

  private HttpResponse<Buffer> createSession(JsonObject config) {
    return rt.postJson(SESSIONS, new JsonObject().put("config", config)).await();
  }

  private String session(JsonObject config) {
    HttpResponse<Buffer> r = createSession(config);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("session_id");
  }

  private HttpResponse<Buffer> send(String sessionId, String content) {
    return rt.postJson(SESSIONS + "/" + sessionId + "/messages", new JsonObject().put("content", content)).await();
  }

  private JsonArray events(String sessionId) {
    return rt.http.get(SESSIONS + "/" + sessionId + "/events?after=0&limit=1000").send().await().bodyAsJsonObject().getJsonArray("events");
  }

  private JsonObject turnEvent(String sessionId) {
    List<JsonObject> turns = events(sessionId).stream().map(e -> (JsonObject) e).filter(e -> "turn".equals(e.getString("type"))).toList();
    return turns.get(turns.size() - 1).getJsonObject("data");
  }

  private static JsonObject config(Object... keyValues) {
    JsonObject c = new JsonObject();
    for (int i = 0; i < keyValues.length; i += 2) {
      c.put((String) keyValues[i], keyValues[i + 1]);
    }
    return c;
  }

  @Test
  @DisplayName("every config the REST API accepts for a 5.x model runs a tool-loop turn that the current API takes; the rest are 400 naming the field and the model")
  void noRequestToACurrentModelIsRefused(Vertx vertx) {
    start(vertx, Map.of());
    FakeTools.register(vertx).add("get_weather", call -> Future.succeededFuture(ToolResult.json(new JsonObject().put("temp_c", 18))));
    List<JsonObject> settings = List.of(
        config(),
        config("effort", "low"), config("effort", "medium"), config("effort", "high"), config("effort", "xhigh"), config("effort", "max"),
        config("thinking", "adaptive"), config("thinking", "off"), config("thinking", "off", "effort", "low"),
        config("thinking", "off", "effort", "max"),
        config("thinking_display", "summarized"), config("thinking_display", "omitted"), config("stream_thinking", true),
        config("temperature", 1.0), config("temperature", 0.3),
        config("thinking_budget_tokens", 2048, "max_tokens", 8192),
        config("max_tokens", 128_000), config("max_tokens", 200_000));
    int accepted = 0;
    List<String> refusedFields = new ArrayList<>();
    for (String model : CURRENT) {
      for (JsonObject s : settings) {
        JsonObject c = s.copy().put("model", model);
        HttpResponse<Buffer> created = createSession(c);
        if (created.statusCode() != 201) {
          assertThat(created.statusCode()).as(c + ": " + created.bodyAsString()).isEqualTo(400);
          JsonObject error = created.bodyAsJsonObject();
          assertThat(error.getString("code")).isEqualTo("VALIDATION_FAILED");
          String field = error.getJsonObject("details").getString("field");
          assertThat(field).as(c.encode()).startsWith("config.");
          assertThat(error.getString("error")).as(c.encode()).contains(field).contains(model);
          assertThat(error.getJsonObject("details").getString("model")).isEqualTo(model);
          refusedFields.add(field);
          continue;
        }
        String id = created.bodyAsJsonObject().getString("session_id");
        int before = claude.requestCount();
        claude.enqueue(Reply.thinkingThenToolUse("Check the weather first.",
                List.of(new ToolUseSpec("toolu_" + accepted, "get_weather", new JsonObject().put("location", "Paris")))))
            .enqueue(Reply.thinkingThenText("It is mild.", "18 °C in Paris."));
        HttpResponse<Buffer> r = send(id, "Weather in Paris?");
        assertThat(claude.refusals()).as(c.encode()).isEmpty();
        assertThat(r.statusCode()).as(c + ": " + r.bodyAsString()).isEqualTo(200);
        assertThat(r.bodyAsJsonObject().getString("content")).isEqualTo("18 °C in Paris.");
        assertThat(claude.requestCount() - before).isEqualTo(2);
        assertThat(claude.requests().get(before).body().getString("model")).isEqualTo(model);
        accepted++;
      }
    }
    assertThat(accepted).isGreaterThan(CURRENT.size() * 8);
    // what the 5.x models refuse is refused before any turn: sampling, budgets, an impossible "off", too many tokens
    assertThat(refusedFields).contains("config.temperature", "config.thinking_budget_tokens", "config.thinking", "config.max_tokens");
    assertThat(refusedFields).doesNotContain("config.effort");
  }

  @Test
  @DisplayName("effort reaches output_config.effort; a 5.x model gets no thinking field by default, no temperature, no budget")
  void effortReachesTheRequest(Vertx vertx) {
    start(vertx, Map.of());
    String id = session(config("effort", "low"));
    assertThat(send(id, "hi").statusCode()).isEqualTo(200);
    JsonObject body = claude.requests().get(0).body();
    assertThat(body.getString("model")).isEqualTo("claude-sonnet-5-5");
    assertThat(body.getJsonObject("output_config")).isEqualTo(new JsonObject().put("effort", "low"));
    assertThat(body.containsKey("thinking")).as("adaptive is the default: nothing to send").isFalse();
    assertThat(body.fieldNames()).doesNotContain("temperature", "top_p", "top_k", "tool_choice");
    assertThat(body.getInteger("max_tokens")).isEqualTo(4096);

    String off = session(config("thinking", "off", "effort", "medium"));
    assertThat(send(off, "hi").statusCode()).isEqualTo(200);
    assertThat(claude.requests().get(1).body().getJsonObject("thinking")).isEqualTo(new JsonObject().put("type", "between_tools"));
    assertThat(claude.refusals()).isEmpty();
  }

  @Test
  @DisplayName("older models still get what they take: a thinking budget on Sonnet 4.5, a temperature on Sonnet 4.6")
  void olderModelsKeepBudgetAndTemperature(Vertx vertx) {
    start(vertx, Map.of());
    String budget = session(config("model", "claude-sonnet-4-5-20250929", "thinking_budget_tokens", 2048, "max_tokens", 8192));
    assertThat(send(budget, "hi").statusCode()).isEqualTo(200);
    assertThat(claude.requests().get(0).body().getJsonObject("thinking"))
        .isEqualTo(new JsonObject().put("type", "enabled").put("budget_tokens", 2048));
    String sampled = session(config("model", "claude-sonnet-4-6", "temperature", 0.4, "effort", "max"));
    assertThat(send(sampled, "hi").statusCode()).isEqualTo(200);
    JsonObject body = claude.requests().get(1).body();
    assertThat(body.getDouble("temperature")).isEqualTo(0.4);
    assertThat(body.getJsonObject("output_config").getString("effort")).isEqualTo("max");
    assertThat(claude.refusals()).isEmpty();
  }

  @Test
  @DisplayName("stream_thinking on an adaptive model asks for a summarized display and streams the thinking as kind:thinking; without it the text is omitted")
  void streamThinkingOnAdaptiveModels(Vertx vertx) {
    start(vertx, Map.of());
    claude.enqueue(Reply.thinkingThenText("Twenty-seven times four hundred fifty-three...", "12,231"))
        .enqueue(Reply.thinkingThenText("Twenty-seven times four hundred fifty-three...", "12,231"));
    String streaming = session(config("stream_thinking", true));
    HttpResponse<Buffer> r = send(streaming, "27 * 453?");
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getString("content")).isEqualTo("12,231");
    assertThat(claude.requests().get(0).body().getJsonObject("thinking"))
        .isEqualTo(new JsonObject().put("type", "adaptive").put("display", "summarized"));
    List<JsonObject> streams = events(streaming).stream().map(e -> (JsonObject) e).filter(e -> "stream".equals(e.getString("type"))).toList();
    assertThat(streams.stream().filter(e -> "thinking".equals(e.getString("kind"))).map(e -> e.getString("data")).collect(Collectors.joining()))
        .isEqualTo("Twenty-seven times four hundred fifty-three...");
    assertThat(streams.stream().filter(e -> !e.containsKey("kind")).map(e -> e.getString("data")).collect(Collectors.joining()))
        .isEqualTo("12,231");

    String quiet = session(config());
    assertThat(send(quiet, "27 * 453?").statusCode()).isEqualTo(200);
    assertThat(claude.requests().get(1).body().containsKey("thinking")).isFalse();
    assertThat(events(quiet).stream().map(e -> (JsonObject) e).filter(e -> e.containsKey("kind"))).isEmpty();
    JsonObject stored = rt.http.get(SESSIONS + "/" + quiet + "/messages").send().await().bodyAsJsonObject()
        .getJsonArray("messages").getJsonObject(1);
    JsonObject thinking = stored.getJsonArray("blocks").getJsonObject(0);
    assertThat(thinking.getString("type")).isEqualTo("thinking");
    assertThat(thinking.getString("thinking")).isEmpty();
    assertThat(thinking.getString("signature")).isEqualTo(Reply.signatureOf("Twenty-seven times four hundred fifty-three..."));
    assertThat(claude.refusals()).isEmpty();
  }

  @Test
  @DisplayName("in the tool loop the thinking block goes back exactly as received, signature included, omitted text or not")
  void thinkingBlocksEchoedUnchanged(Vertx vertx) {
    start(vertx, Map.of());
    FakeTools.register(vertx).add("get_weather", call -> Future.succeededFuture(ToolResult.json(new JsonObject().put("temp_c", 18))));
    for (boolean streamThinking : List.of(false, true)) {
      String thoughts = "The user wants Paris; call get_weather (" + streamThinking + ").";
      claude.enqueue(Reply.thinkingThenToolUse(thoughts, List.of(new ToolUseSpec("toolu_w" + streamThinking, "get_weather",
              new JsonObject().put("location", "Paris")))))
          .enqueue(Reply.thinkingThenText("Answer now.", "18 °C."));
      int before = claude.requestCount();
      String id = session(config("stream_thinking", streamThinking));
      HttpResponse<Buffer> r = send(id, "Weather?");
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
      JsonArray messages = claude.requests().get(before + 1).body().getJsonArray("messages");
      assertThat(messages).hasSize(3);
      JsonArray echoed = messages.getJsonObject(1).getJsonArray("content");
      assertThat(echoed.getJsonObject(0)).isEqualTo(new JsonObject().put("type", "thinking")
          .put("thinking", streamThinking ? thoughts : "").put("signature", Reply.signatureOf(thoughts)));
      assertThat(echoed.getJsonObject(1).getString("type")).isEqualTo("tool_use");
      assertThat(messages.getJsonObject(2).getString("role")).isEqualTo("user");
    }
    assertThat(claude.refusals()).isEmpty();
  }

  @Test
  @DisplayName("every config a model would refuse is refused at POST and PATCH with 400 naming the field and the model, and nothing changes")
  void refusedAtTheRestApi(Vertx vertx) {
    start(vertx, Map.of());
    record Case(JsonObject config, String field, String model) {}
    List<Case> cases = List.of(
        new Case(config("temperature", 0.3), "config.temperature", "claude-sonnet-5-5"),
        new Case(config("thinking_budget_tokens", 2048), "config.thinking_budget_tokens", "claude-sonnet-5-5"),
        new Case(config("model", "claude-opus-5-5", "thinking", "off"), "config.thinking", "claude-opus-5-5"),
        new Case(config("model", "claude-haiku-5-5", "thinking", "off", "effort", "xhigh"), "config.thinking", "claude-haiku-5-5"),
        new Case(config("thinking", "off", "effort", "max"), "config.thinking", "claude-sonnet-5-5"),
        new Case(config("model", "claude-haiku-4-5", "effort", "low"), "config.effort", "claude-haiku-4-5"),
        new Case(config("model", "claude-sonnet-4-6", "effort", "xhigh"), "config.effort", "claude-sonnet-4-6"),
        new Case(config("model", "claude-sonnet-4-5-20250929", "thinking", "adaptive"), "config.thinking", "claude-sonnet-4-5-20250929"),
        new Case(config("model", "claude-haiku-4-5", "thinking_display", "summarized"), "config.thinking_display", "claude-haiku-4-5"),
        new Case(config("max_tokens", 200_000), "config.max_tokens", "claude-sonnet-5-5"),
        new Case(config("model", "claude-opus-4-5", "max_tokens", 100_000), "config.max_tokens", "claude-opus-4-5"));
    String patched = session(config("model", "claude-sonnet-4-6", "temperature", 0.5));
    for (Case c : cases) {
      HttpResponse<Buffer> created = createSession(c.config());
      assertThat(created.statusCode()).as(c + ": " + created.bodyAsString()).isEqualTo(400);
      JsonObject error = created.bodyAsJsonObject();
      assertThat(error.getString("code")).isEqualTo("VALIDATION_FAILED");
      assertThat(error.getString("error")).as(c.toString()).contains(c.field()).contains(c.model());
      assertThat(error.getJsonObject("details")).isEqualTo(new JsonObject().put("field", c.field()).put("model", c.model()));

      HttpResponse<Buffer> patch = rt.http.patch(SESSIONS + "/" + patched).putHeader("Content-Type", "application/json")
          .sendJsonObject(new JsonObject().put("config", c.config())).await();
      assertThat(patch.statusCode()).as(c + ": " + patch.bodyAsString()).isEqualTo(400);
      assertThat(patch.bodyAsJsonObject().getString("error")).contains(c.field()).contains(c.model());
    }
    // values outside what the API defines are refused too, naming the field
    for (JsonObject bad : List.of(config("effort", "ultra"), config("thinking", "sometimes"), config("thinking_display", "full"))) {
      HttpResponse<Buffer> r = createSession(bad);
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getString("error")).contains("config." + bad.fieldNames().iterator().next());
    }
    JsonObject session = rt.http.get(SESSIONS + "/" + patched).send().await().bodyAsJsonObject();
    assertThat(session.getJsonObject("config")).isEqualTo(config("model", "claude-sonnet-4-6", "temperature", 0.5));
    assertThat(rt.http.get(SESSIONS).send().await().bodyAsJsonObject().getLong("total")).isEqualTo(1);
    assertThat(claude.requestCount()).isZero();
  }

  @Test
  @DisplayName("the server's AGENTX_MODEL is the model a config without one is checked against")
  void defaultModelDecides(Vertx vertx) {
    start(vertx, Map.of(AgentXConfig.MODEL, "claude-sonnet-4-6"));
    String id = session(config("temperature", 0.5));
    assertThat(send(id, "hi").statusCode()).isEqualTo(200);
    assertThat(claude.requests().get(0).body().getDouble("temperature")).isEqualTo(0.5);
    HttpResponse<Buffer> r = createSession(config("model", "claude-sonnet-5-5", "temperature", 0.5));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.bodyAsJsonObject().getString("error")).contains("config.temperature").contains("claude-sonnet-5-5");
  }

  @Test
  @DisplayName("a stored setting the model refuses (saved before the checks) is left out with a state warning: the turn still runs")
  void storedRefusedSettingIsLeftOut(Vertx vertx) throws Exception {
    start(vertx, Map.of());
    String id = session(config());
    // a row written by an earlier version, before configs were checked against the model
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + rt.database);
        java.sql.PreparedStatement st = c.prepareStatement("UPDATE sessions SET config = ? WHERE session_id = ?")) {
      st.setString(1, config("temperature", 0.5, "effort", "low").encode());
      st.setString(2, id);
      assertThat(st.executeUpdate()).isEqualTo(1);
    }
    HttpResponse<Buffer> r = send(id, "hi");
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonObject body = claude.requests().get(0).body();
    assertThat(body.getString("model")).isEqualTo("claude-sonnet-5-5");
    assertThat(body.containsKey("temperature")).isFalse();
    assertThat(body.getJsonObject("output_config").getString("effort")).as("the rest of the config still applies").isEqualTo("low");
    assertThat(claude.refusals()).isEmpty();
    JsonObject warning = events(id).stream().map(e -> (JsonObject) e)
        .filter(e -> "state".equals(e.getString("type")) && "warning".equals(e.getJsonObject("data").getString("state")))
        .map(e -> e.getJsonObject("data").getJsonObject("progress"))
        .filter(p -> "config.temperature".equals(p.getString("field"))).findFirst().orElseThrow();
    assertThat(warning.getString("message")).contains("claude-sonnet-5-5").contains("left out");
  }

  @Test
  @DisplayName("the fake refuses what the current API refuses, with the real error body: the runtime shows it as LLM_ERROR")
  void fakeRefusesOldStyleRequests(Vertx vertx) {
    start(vertx, Map.of());
    // a session made of an unknown id gets the settings as given; the fake treats the id's family rules
    claude.setDefault(Reply.text("ok"));
    String id = session(config("model", "claude-sonnet-5-9", "temperature", 0.2));
    HttpResponse<Buffer> r = send(id, "hi");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.bodyAsJsonObject().getString("code")).isEqualTo("LLM_ERROR");
    assertThat(r.bodyAsJsonObject().getString("error")).contains("invalid_request_error").contains("temperature is deprecated for this model");
    assertThat(claude.refusals()).containsExactly("temperature is deprecated for this model.");
  }

  @Test
  @DisplayName("costs: a catalogued model's turn is priced from the catalogue; an unknown model's cost_usd is null and warned about once")
  void honestCosts(Vertx vertx) {
    ch.qos.logback.classic.Logger pricingLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Pricing.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged = new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    pricingLog.addAppender(logged);
    try {
      start(vertx, Map.of());
      claude.setDefault(Reply.transcript("sse_text.sse")); // 25 input, 15 output tokens
      String known = session(config());
      assertThat(send(known, "hi").statusCode()).isEqualTo(200);
      // Sonnet 5.5: $2 / $10 per million
      assertThat(turnEvent(known).getDouble("cost_usd")).isCloseTo((25 * 2 + 15 * 10) / 1e6, org.assertj.core.api.Assertions.within(1e-12));

      String unknown = session(config("model", "qwen3-coder"));
      assertThat(send(unknown, "hi").statusCode()).isEqualTo(200);
      assertThat(send(unknown, "again").statusCode()).isEqualTo(200);
      JsonObject turn = turnEvent(unknown);
      assertThat(turn.containsKey("cost_usd")).isTrue();
      assertThat(turn.getValue("cost_usd")).isNull();
      assertThat(turn.getLong("input_tokens")).isEqualTo(25);
      JsonObject usage = rt.http.get(SESSIONS + "/" + unknown).send().await().bodyAsJsonObject().getJsonObject("usage");
      assertThat(usage.getDouble("cost_usd")).as("the session total adds the known costs only").isZero();
      assertThat(usage.getLong("turns")).isEqualTo(2);
      assertThat(logged.list).filteredOn(e -> e.getFormattedMessage().contains("qwen3-coder")).hasSize(1);
    } finally {
      pricingLog.detachAppender(logged);
    }
  }

  @Test
  @DisplayName("AGENTX_PRICES still overrides the catalogue, and AGENTX_MODELS_FILE can add a model with its rules and prices")
  void overrides(Vertx vertx) throws Exception {
    Path models = dir.resolve("models.json");
    java.nio.file.Files.writeString(models, new JsonObject().put("models", new JsonArray().add(new JsonObject()
        .put("id", "claude-sonnet-5-6").put("family", "sonnet").put("context_window", 1_000_000).put("max_output", 64_000)
        .put("thinking", new JsonObject().put("modes", new JsonArray().add("adaptive")).put("default", "adaptive")
            .put("display_default", "omitted").put("displays", new JsonArray().add("summarized").add("omitted")))
        .put("effort", new JsonObject().put("levels", new JsonArray().add("low").add("high")).put("default", "high"))
        .put("sampling", false).put("prefill", false).put("forced_tool_choice", false)
        .put("prices", new JsonObject().put("input", 1).put("output", 1).put("cache_write_5m", 1).put("cache_write_1h", 1)
            .put("cache_read", 1)))).encode());
    Map<String, Object> extra = new HashMap<>();
    extra.put(AgentXConfig.MODELS_FILE, models.toString());
    extra.put(AgentXConfig.PRICES, new JsonObject().put("claude-sonnet-5-5", new JsonObject().put("input", 1000).put("output", 1000)).encode());
    start(vertx, extra);
    claude.setDefault(Reply.transcript("sse_text.sse"));
    String overridden = session(config());
    send(overridden, "hi");
    assertThat(turnEvent(overridden).getDouble("cost_usd")).isCloseTo(40 * 1000 / 1e6, org.assertj.core.api.Assertions.within(1e-9));
    String added = session(config("model", "claude-sonnet-5-6", "effort", "low"));
    send(added, "hi");
    assertThat(turnEvent(added).getDouble("cost_usd")).isCloseTo(40 / 1e6, org.assertj.core.api.Assertions.within(1e-12));
    HttpResponse<Buffer> refused = createSession(config("model", "claude-sonnet-5-6", "effort", "max"));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.bodyAsJsonObject().getString("error")).contains("config.effort").contains("claude-sonnet-5-6");
  }
}
