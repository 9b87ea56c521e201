package agentx.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ConfigCheckTest {
  private final ModelCatalog catalog = ModelCatalog.builtIn();

  private String check(JsonObject config) {
    return ConfigCheck.firstViolation(catalog, config, "claude-sonnet-5-5", 4096).orElse(null);
  }

  @Test
  @DisplayName("the first field the model would reject, in a sentence naming the field and the model")
  void firstViolation() {
    assertThat(check(new JsonObject().put("temperature", 0.2))).isEqualTo(
        "config.temperature is not accepted by claude-sonnet-5-5: this model answers 400 to non-default sampling parameters "
            + "(temperature, top_p, top_k); leave it unset.");
    assertThat(check(new JsonObject().put("model", "claude-opus-5-5").put("thinking_budget_tokens", 2048)))
        .startsWith("config.thinking_budget_tokens is not accepted by claude-opus-5-5: this model rejects thinking budgets");
    assertThat(check(new JsonObject().put("model", "claude-haiku-4-5-20251001").put("effort", "high")))
        .isEqualTo("config.effort is not accepted by claude-haiku-4-5-20251001: this model takes no effort parameter.");
    assertThat(check(new JsonObject().put("max_tokens", 200_000)))
        .isEqualTo("config.max_tokens 200000 is above the 128000-token maximum output of claude-sonnet-5-5.");
    assertThat(check(new JsonObject().put("model", "claude-haiku-5-5").put("effort", "xhigh").put("thinking", "off")))
        .isEqualTo("config.thinking \"off\" is not accepted by claude-haiku-5-5 at effort \"xhigh\": thinking can be turned off only at effort low, medium, high.");
  }

  @Test
  @DisplayName("configs the model accepts pass; a 4.x config keeps working as today")
  void accepted() {
    assertThat(check(new JsonObject())).isNull();
    assertThat(check(new JsonObject().put("effort", "low").put("thinking_display", "summarized").put("stream_thinking", true))).isNull();
    assertThat(check(new JsonObject().put("model", "claude-haiku-4-5").put("thinking_budget_tokens", 2048).put("temperature", 0.4))).isNull();
    assertThat(check(new JsonObject().put("model", "claude-sonnet-4-6").put("temperature", 0.4).put("effort", "max"))).isNull();
  }

  @Test
  @DisplayName("a model the catalogue does not know gets the range checks only")
  void unknownModel() {
    assertThat(check(new JsonObject().put("model", "claude-x").put("temperature", 0.2).put("max_tokens", 500_000))).isNull();
    assertThat(check(new JsonObject().put("model", "claude-x").put("effort", "ultra")))
        .isEqualTo("config.effort must be one of low, medium, high, xhigh, max.");
  }

  @Test
  @DisplayName("server defaults: max_tokens above the model's output is an error naming both keys; an unknown or retired model only warns")
  void serverDefaults() {
    ConfigCheck.ServerCheck tooMany = ConfigCheck.serverDefaults(catalog, "claude-sonnet-5-5", 200_000);
    assertThat(tooMany.error()).contains("AGENTX_MAX_TOKENS 200000").contains("128000").contains("claude-sonnet-5-5").contains("AGENTX_MODEL");
    assertThat(ConfigCheck.serverDefaults(catalog, "claude-sonnet-5-5", 4096).error()).isNull();
    assertThat(ConfigCheck.serverDefaults(catalog, "claude-sonnet-5-5", 0).error()).contains("AGENTX_MAX_TOKENS");
    assertThat(ConfigCheck.serverDefaults(catalog, " ", 4096).error()).contains("AGENTX_MODEL");
    ConfigCheck.ServerCheck unknown = ConfigCheck.serverDefaults(catalog, "qwen3-coder", 500_000);
    assertThat(unknown.error()).isNull();
    assertThat(unknown.warnings()).singleElement().asString().contains("qwen3-coder").contains("AGENTX_CONTEXT_WINDOW");
    assertThat(ConfigCheck.serverDefaults(catalog, "claude-sonnet-4-20250514", 4096).warnings()).singleElement().asString().contains("retired");
  }
}
