package agentx.models;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A model's prices in USD per million tokens. A null rate is unknown, never zero: a cost that needs
 * it is unknown too. {@code tiers} hold prompt-length prices: a request whose prompt (input + cache
 * writes + cache reads) is above a tier's threshold pays that tier's rates on all its tokens.
 */
public record Prices(Rates base, List<Tier> tiers) {

  public Prices {
    List<Tier> sorted = new ArrayList<>(tiers);
    sorted.sort(Comparator.comparingLong(Tier::promptTokensAbove));
    tiers = List.copyOf(sorted);
  }

  public static Prices flat(Rates rates) {
    return new Prices(rates, List.of());
  }

  /** The rates a request with this many prompt tokens pays. */
  public Rates ratesFor(long promptTokens) {
    Rates rates = base;
    for (Tier tier : tiers) {
      if (promptTokens > tier.promptTokensAbove()) {
        rates = tier.rates();
      }
    }
    return rates;
  }

  /** USD per million tokens; null fields are unknown. */
  public record Rates(Double input, Double output, Double cacheWrite5m, Double cacheWrite1h, Double cacheRead) {}

  public record Tier(long promptTokensAbove, Rates rates) {}
}
