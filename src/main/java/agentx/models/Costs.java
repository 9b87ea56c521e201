package agentx.models;

/**
 * What a response cost, from catalogue prices. Pure. A model without prices, or a token category
 * that was billed at an unknown rate, gives null: never 0 and never another model's price.
 */
public final class Costs {
  private Costs() {}

  /** USD, or null when the model has no prices or a billed category's rate is unknown. */
  public static Double cost(Model model, long input, long output, long cacheWrite5m, long cacheWrite1h, long cacheRead) {
    return model == null ? null : cost(model.prices(), new TokenUsage(input, output, cacheWrite5m, cacheWrite1h, cacheRead));
  }

  public static Double cost(Model model, TokenUsage usage) {
    return model == null ? null : cost(model.prices(), usage);
  }

  /** USD for one response at these prices (the tier is chosen by this response's own prompt length). */
  public static Double cost(Prices prices, TokenUsage usage) {
    if (prices == null || usage == null) {
      return null;
    }
    Prices.Rates r = prices.ratesFor(usage.promptTokens());
    double micro = 0;
    long[] tokens = {usage.input(), usage.output(), usage.cacheWrite5m(), usage.cacheWrite1h(), usage.cacheRead()};
    Double[] rates = {r.input(), r.output(), r.cacheWrite5m(), r.cacheWrite1h(), r.cacheRead()};
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] == 0) {
        continue;
      }
      if (rates[i] == null) {
        return null;
      }
      micro += tokens[i] * rates[i];
    }
    return micro / 1_000_000.0;
  }
}
