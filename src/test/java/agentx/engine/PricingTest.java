package agentx.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import agentx.models.TokenUsage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PricingTest {
  private static JsonObject price(double input, double output, double cacheWrite, double cacheRead) {
    return new JsonObject().put("input", input).put("output", output).put("cache_write", cacheWrite).put("cache_read", cacheRead);
  }

  @Test
  @DisplayName("prices come from the catalogue: a dated Sonnet 4.5 snapshot and the current Sonnet 5.5")
  void catalogue() {
    Pricing pricing = new Pricing(new JsonObject());
    assertThat(pricing.costUsd("claude-sonnet-4-5-20250929", new TokenUsage(1_000_000, 1_000_000, 1_000_000, 0, 1_000_000))).isCloseTo(3 + 15 + 3.75 + 0.3, within(1e-9));
    assertThat(pricing.costUsd("claude-sonnet-5-5", new TokenUsage(1_000_000, 0, 0, 0, 1_000_000))).isCloseTo(2.1, within(1e-9));
    // the old table priced every claude-opus-4* at $15/$75; Opus 4.6 is $5/$25
    assertThat(pricing.costUsd("claude-opus-4-6", new TokenUsage(1_000_000, 0, 0, 0, 0))).isCloseTo(5, within(1e-9));
  }

  @Test
  @DisplayName("an unknown model (or none): its cost is null, never 0")
  void unknown() {
    Pricing pricing = new Pricing(new JsonObject());
    assertThat(pricing.costUsd("claude-x", new TokenUsage(1000, 1000, 0, 0, 0))).isNull();
    assertThat(pricing.costUsd("claude-x", new TokenUsage(1000, 1000, 0, 0, 0))).isNull();
    assertThat(pricing.costUsd(null, new TokenUsage(1000, 1000, 0, 0, 0))).isNull();
  }

  @Test
  @DisplayName("AGENTX_PRICES still adds and replaces: an exact key beats the catalogue, a broad prefix only prices unknown models")
  void overrides() {
    Pricing pricing = new Pricing(new JsonObject()
        .put("claude-sonnet-5-5", price(1, 2, 3, 4))
        .put("claude-", price(10, 20, 30, 40)));
    assertThat(pricing.costUsd("claude-sonnet-5-5", new TokenUsage(1_000_000, 1_000_000, 1_000_000, 0, 1_000_000))).isCloseTo(10, within(1e-9));
    assertThat(pricing.costUsd("claude-opus-5-5", new TokenUsage(1_000_000, 0, 0, 0, 0))).isCloseTo(4, within(1e-9));
    assertThat(pricing.costUsd("claude-x", new TokenUsage(1_000_000, 0, 0, 0, 0))).isCloseTo(10, within(1e-9));
  }

  @Test
  @DisplayName("an override may give only some prices: the rest come from the catalogue, else they are unknown")
  void partialOverride() {
    Pricing pricing = new Pricing(new JsonObject()
        .put("claude-fable-5-2", new JsonObject().put("cache_write", 10).put("cache_read", 0.2))
        .put("claude-new", new JsonObject().put("input", 1).put("output", 5)));
    // Fable 5.2: input/output from the catalogue, cache prices from the override; 1h stays unknown
    assertThat(pricing.costUsd("claude-fable-5-2", new TokenUsage(1_000_000, 0, 1_000_000, 0, 1_000_000))).isCloseTo(8 + 10 + 0.2, within(1e-9));
    assertThat(pricing.costUsd("claude-fable-5-2", new TokenUsage(0, 0, 0, 1000, 0))).isNull();
    assertThat(pricing.costUsd("claude-new", new TokenUsage(1_000_000, 1_000_000, 0, 0, 0))).isCloseTo(6, within(1e-9));
    assertThat(pricing.costUsd("claude-new", new TokenUsage(1_000_000, 1_000_000, 10, 0, 0))).isNull();
  }

  @Test
  @DisplayName("an override may carry prompt-length tiers in the catalogue's shape; a malformed one is refused at start")
  void tiersAndErrors() {
    Pricing pricing = new Pricing(new JsonObject().put("claude-x", price(1, 2, 1.25, 0.1)
        .put("tiers", new JsonArray().add(new JsonObject().put("prompt_tokens_above", 1000)
            .put("input", 2).put("output", 4).put("cache_write_5m", 2.5).put("cache_read", 0.2)))));
    assertThat(pricing.costUsd("claude-x", new TokenUsage(1000, 1000, 0, 0, 0))).isCloseTo(3000 / 1e6, within(1e-12));
    assertThat(pricing.costUsd("claude-x", new TokenUsage(1001, 1000, 0, 0, 0))).isCloseTo(6002 / 1e6, within(1e-12));
    assertThatThrownBy(() -> new Pricing(new JsonObject().put("claude-x", 3))).hasMessageContaining("claude-x");
    assertThatThrownBy(() -> new Pricing(new JsonObject().put("claude-x", new JsonObject().put("input", "3"))))
        .hasMessageContaining("input");
  }
}
