package agentx.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RequestShaperTest {
  private final ModelCatalog catalog = ModelCatalog.builtIn();

  private RequestShaper.Shaped shape(String id, RequestSettings s) {
    return RequestShaper.shape(id, catalog.lookup(id).orElse(null), s);
  }

  private static RequestSettings settings(int maxTokens, String effort, String thinking, String display, Integer budget, Double temperature,
      boolean stream) {
    return new RequestSettings(maxTokens, effort, thinking, display, budget, temperature, stream);
  }

  @Test
  @DisplayName("Sonnet 5.5: effort goes to output_config, streamed thinking asks for a summarized display, nothing else is sent")
  void sonnet55() {
    RequestShaper.Shaped shaped = shape("claude-sonnet-5-5", settings(16_000, "medium", null, null, null, null, true));
    assertThat(shaped.violations()).isEmpty();
    assertThat(shaped.fields()).isEqualTo(new JsonObject().put("max_tokens", 16_000)
        .put("output_config", new JsonObject().put("effort", "medium"))
        .put("thinking", new JsonObject().put("type", "adaptive").put("display", "summarized")));

    RequestShaper.Shaped plain = shape("claude-sonnet-5-5", settings(4096, null, null, null, null, null, false));
    assertThat(plain.fields()).isEqualTo(new JsonObject().put("max_tokens", 4096));
  }

  @Test
  @DisplayName("Sonnet 5.5: a budget and a temperature, which it answers 400 to, are reported and never sent")
  void sonnet55Rejects() {
    RequestShaper.Shaped shaped = shape("claude-sonnet-5-5", settings(16_000, null, null, null, 8000, 0.2, false));
    assertThat(shaped.violations()).extracting(RequestShaper.Violation::field).containsExactly("thinking_budget_tokens", "temperature");
    assertThat(shaped.violations().get(0).message())
        .startsWith("config.thinking_budget_tokens is not accepted by claude-sonnet-5-5")
        .contains("config.effort");
    assertThat(shaped.violations().get(1).message())
        .startsWith("config.temperature is not accepted by claude-sonnet-5-5:");
    assertThat(shaped.fields()).isEqualTo(new JsonObject().put("max_tokens", 16_000));
  }

  @Test
  @DisplayName("Sonnet 5.5: thinking \"off\" is between_tools, and only at effort high or below")
  void sonnet55Off() {
    assertThat(shape("claude-sonnet-5-5", settings(4096, null, "off", null, null, null, false)).fields().getJsonObject("thinking"))
        .isEqualTo(new JsonObject().put("type", "between_tools"));
    RequestShaper.Shaped tooHigh = shape("claude-sonnet-5-5", settings(4096, "max", "off", null, null, null, false));
    assertThat(tooHigh.violations()).singleElement().satisfies(v -> assertThat(v.message())
        .isEqualTo("config.thinking \"off\" is not accepted by claude-sonnet-5-5 at effort \"max\": thinking can be turned off only at effort low, medium, high."));
    assertThat(tooHigh.fields().containsKey("thinking")).isFalse();
  }

  @Test
  @DisplayName("Opus 5.5: thinking cannot be turned off; max_tokens above 128,000 is reported and clamped")
  void opus55() {
    RequestShaper.Shaped shaped = shape("claude-opus-5-5", settings(200_000, null, "off", null, null, null, false));
    assertThat(shaped.violations()).extracting(RequestShaper.Violation::field).containsExactly("max_tokens", "thinking");
    assertThat(shaped.violations().get(0).message()).isEqualTo("config.max_tokens 200000 is above the 128000-token maximum output of claude-opus-5-5.");
    assertThat(shaped.fields()).isEqualTo(new JsonObject().put("max_tokens", 128_000));
  }

  @Test
  @DisplayName("Haiku 4.5 keeps today's request: a budget turns thinking on and leaves temperature out; a temperature alone is sent")
  void haiku45AsToday() {
    RequestShaper.Shaped thinking = shape("claude-haiku-4-5-20251001", settings(16_000, null, null, null, 4000, 0.5, true));
    assertThat(thinking.violations()).isEmpty();
    assertThat(thinking.fields()).isEqualTo(new JsonObject().put("max_tokens", 16_000)
        .put("thinking", new JsonObject().put("type", "enabled").put("budget_tokens", 4000)));
    assertThat(thinking.adjustments()).containsExactly("temperature left out: thinking is on");

    RequestShaper.Shaped sampling = shape("claude-haiku-4-5-20251001", settings(4096, null, null, null, null, 0.5, false));
    assertThat(sampling.fields()).isEqualTo(new JsonObject().put("max_tokens", 4096).put("temperature", 0.5));
  }

  @Test
  @DisplayName("Haiku 4.5: effort, adaptive thinking and a display are not accepted, with the model named")
  void haiku45Rejects() {
    RequestShaper.Shaped shaped = shape("claude-haiku-4-5", settings(4096, "low", "adaptive", "summarized", null, null, false));
    assertThat(shaped.violations()).extracting(RequestShaper.Violation::message).containsExactly(
        "config.effort is not accepted by claude-haiku-4-5: this model takes no effort parameter.",
        "config.thinking \"adaptive\" is not accepted by claude-haiku-4-5: this model has no adaptive thinking; set config.thinking_budget_tokens instead.",
        "config.thinking_display is not accepted by claude-haiku-4-5: this model has no thinking display option.");
    assertThat(shaped.fields()).isEqualTo(new JsonObject().put("max_tokens", 4096));
  }

  @Test
  @DisplayName("Sonnet 4.6: adaptive thinking is asked for explicitly (it is off by default), max effort is fine, xhigh is not")
  void sonnet46() {
    RequestShaper.Shaped shaped = shape("claude-sonnet-4-6", settings(8000, "max", "adaptive", "omitted", null, 0.7, false));
    assertThat(shaped.violations()).isEmpty();
    assertThat(shaped.fields()).isEqualTo(new JsonObject().put("max_tokens", 8000)
        .put("output_config", new JsonObject().put("effort", "max"))
        .put("thinking", new JsonObject().put("type", "adaptive").put("display", "omitted")));
    assertThat(shape("claude-sonnet-4-6", settings(8000, "xhigh", null, null, null, null, false)).violations())
        .singleElement().satisfies(v -> assertThat(v.message())
            .isEqualTo("config.effort \"xhigh\" is not accepted by claude-sonnet-4-6: it takes low, medium, high, max."));
  }

  @Test
  @DisplayName("Haiku 5.5: thinking \"off\" sends disabled at its default effort (medium); temperature 1.0 is the default and is left out")
  void haiku55() {
    RequestShaper.Shaped shaped = shape("claude-haiku-5-5", settings(4096, null, "off", null, null, 1.0, true));
    assertThat(shaped.violations()).isEmpty();
    assertThat(shaped.fields()).isEqualTo(new JsonObject().put("max_tokens", 4096).put("thinking", new JsonObject().put("type", "disabled")));
  }

  @Test
  @DisplayName("an unknown model gets the settings as the engine always sent them; the API decides")
  void unknownModel() {
    RequestShaper.Shaped shaped = RequestShaper.shape("claude-x", null, settings(300_000, "high", null, null, 2048, 0.3, false));
    assertThat(shaped.violations()).isEmpty();
    assertThat(shaped.fields()).isEqualTo(new JsonObject().put("max_tokens", 300_000)
        .put("thinking", new JsonObject().put("type", "enabled").put("budget_tokens", 2048))
        .put("output_config", new JsonObject().put("effort", "high")));
    assertThat(RequestShaper.shape("claude-x", null, settings(4096, null, null, null, null, 0.3, false)).fields())
        .isEqualTo(new JsonObject().put("max_tokens", 4096).put("temperature", 0.3));
  }

  @Test
  @DisplayName("value ranges hold for every model: effort values, budget at least 1024 and under max_tokens, budget or thinking, not both")
  void ranges() {
    assertThat(RequestShaper.shape("claude-x", null, settings(4096, "extreme", null, null, null, null, false)).violations())
        .extracting(RequestShaper.Violation::message).containsExactly("config.effort must be one of low, medium, high, xhigh, max.");
    assertThat(shape("claude-haiku-4-5", settings(4096, null, null, null, 512, null, false)).violations())
        .extracting(RequestShaper.Violation::message).containsExactly("config.thinking_budget_tokens must be at least 1024.");
    assertThat(shape("claude-haiku-4-5", settings(4096, null, null, null, 4096, null, false)).violations())
        .extracting(RequestShaper.Violation::message).containsExactly("config.thinking_budget_tokens must be less than max_tokens (4096).");
    assertThat(shape("claude-sonnet-4-6", settings(8000, null, "off", null, 2048, null, false)).violations())
        .extracting(RequestShaper.Violation::field).containsExactly("thinking");
  }
}
