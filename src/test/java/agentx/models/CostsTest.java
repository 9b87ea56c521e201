package agentx.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CostsTest {
  private final ModelCatalog catalog = ModelCatalog.builtIn();

  private Model model(String id) {
    return catalog.lookup(id).orElseThrow();
  }

  @Test
  @DisplayName("every token category at its own price: 1M of each on Sonnet 5.5 is 2 + 10 + 2.5 + 4 + 0.1")
  void categories() {
    assertThat(Costs.cost(model("claude-sonnet-5-5"), 1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000))
        .isCloseTo(18.6, within(1e-9));
    assertThat(Costs.cost(model("claude-opus-5-5"), 1000, 500, 0, 0, 10_000)).isCloseTo((4000 + 10_000 + 2000) / 1e6, within(1e-12));
  }

  @Test
  @DisplayName("a model the catalogue does not know costs null, not 0")
  void unknown() {
    assertThat(Costs.cost(null, 1000, 1000, 0, 0, 0)).isNull();
    assertThat(Costs.cost((Prices) null, new TokenUsage(1, 1, 0, 0, 0))).isNull();
  }

  @Test
  @DisplayName("an unknown rate makes the cost unknown only when that category was billed (Fable 5.2 has no official cache prices)")
  void unknownRate() {
    Model fable = model("claude-fable-5-2");
    assertThat(Costs.cost(fable, 1_000_000, 100_000, 0, 0, 0)).isCloseTo(8 + 4, within(1e-9));
    assertThat(Costs.cost(fable, 1_000_000, 100_000, 2000, 0, 0)).isNull();
    assertThat(Costs.cost(fable, 1_000_000, 100_000, 0, 0, 5000)).isNull();
  }

  @Test
  @DisplayName("Haiku 5.5: a prompt over 100,000 tokens (cache reads and writes included) pays the higher rates on every token, output too")
  void promptLengthTier() {
    Model haiku = model("claude-haiku-5-5");
    // 90,000 input + 10,000 cache read = 100,000: the lower band
    assertThat(Costs.cost(haiku, 90_000, 1000, 0, 0, 10_000)).isCloseTo((90_000 * 0.1 + 1000 * 0.5 + 10_000 * 0.01) / 1e6, within(1e-12));
    // one more cache-write token: 100,001 prompt tokens, the higher band for all of them
    assertThat(Costs.cost(haiku, 90_000, 1000, 1, 0, 10_000))
        .isCloseTo((90_000 * 0.5 + 1000 * 2.5 + 1 * 0.625 + 10_000 * 0.05) / 1e6, within(1e-12));
    assertThat(Costs.cost(haiku, 200_000, 0, 0, 1000, 0)).isCloseTo((200_000 * 0.5 + 1000 * 1.0) / 1e6, within(1e-12));
  }

  @Test
  @DisplayName("usage: the cache_creation split prices 1-hour writes apart; without it all writes are 5-minute writes")
  void usage() {
    JsonObject split = new JsonObject().put("input_tokens", 10).put("output_tokens", 20).put("cache_creation_input_tokens", 300)
        .put("cache_read_input_tokens", 40)
        .put("cache_creation", new JsonObject().put("ephemeral_5m_input_tokens", 100).put("ephemeral_1h_input_tokens", 200));
    assertThat(TokenUsage.fromApi(split)).isEqualTo(new TokenUsage(10, 20, 100, 200, 40));
    JsonObject plain = new JsonObject().put("input_tokens", 10).put("output_tokens", 20).put("cache_creation_input_tokens", 300);
    assertThat(TokenUsage.fromApi(plain)).isEqualTo(new TokenUsage(10, 20, 300, 0, 0));
    assertThat(TokenUsage.fromApi(null).promptTokens()).isZero();
    assertThat(Costs.cost(model("claude-sonnet-4-6"), TokenUsage.fromApi(split)))
        .isCloseTo((10 * 3 + 20 * 15 + 100 * 3.75 + 200 * 6 + 40 * 0.3) / 1e6, within(1e-12));
  }
}
