package agentx.engine;

import io.vertx.core.json.JsonObject;
import java.util.Comparator;

/**
 * USD per million tokens for each model: input, output, cache write, cache read. Dated model ids
 * ({@code claude-sonnet-4-5-20250929}) use the longest matching prefix. Config
 * ({@code AGENTX_PRICES}) adds or replaces entries.
 */
final class Pricing {
  private static final JsonObject DEFAULTS = new JsonObject()
      .put("claude-opus-4-5", price(5, 25, 6.25, 0.50))
      .put("claude-opus-4-1", price(15, 75, 18.75, 1.50))
      .put("claude-opus-4", price(15, 75, 18.75, 1.50))
      .put("claude-sonnet-4", price(3, 15, 3.75, 0.30))
      .put("claude-haiku-4-5", price(1, 5, 1.25, 0.10))
      .put("claude-3-5-haiku", price(0.80, 4, 1, 0.08));

  private final JsonObject table;

  Pricing(JsonObject overrides) {
    table = DEFAULTS.copy().mergeIn(overrides);
  }

  private static JsonObject price(double input, double output, double cacheWrite, double cacheRead) {
    return new JsonObject().put("input", input).put("output", output).put("cache_write", cacheWrite).put("cache_read", cacheRead);
  }

  /** Cost of a usage object ({@code input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens}); 0 for unknown models. */
  double cost(String model, long input, long output, long cacheWrite, long cacheRead) {
    JsonObject p = lookup(model);
    if (p == null) {
      return 0.0;
    }
    double usd = input * p.getDouble("input", 0.0)
        + output * p.getDouble("output", 0.0)
        + cacheWrite * p.getDouble("cache_write", 0.0)
        + cacheRead * p.getDouble("cache_read", 0.0);
    return usd / 1_000_000.0;
  }

  private JsonObject lookup(String model) {
    if (model == null) {
      return null;
    }
    return table.fieldNames().stream()
        .filter(model::startsWith)
        .max(Comparator.comparingInt(String::length))
        .map(table::getJsonObject)
        .orElse(null);
  }
}
