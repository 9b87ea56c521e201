package agentx.engine;

import agentx.models.Costs;
import agentx.models.Model;
import agentx.models.ModelCatalog;
import agentx.models.Prices;
import agentx.models.TokenUsage;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * USD cost of a response: prices from the model catalogue ({@link ModelCatalog}, docs/MODELS.md),
 * with config ({@code AGENTX_PRICES}) adding or replacing entries as before:
 * {@code {"model-prefix": {"input":3, "output":15, "cache_write":3.75, "cache_read":0.3}}}, USD per
 * million tokens, keys matched as prefixes of the model id. An override key wins over the catalogue
 * when it matches at least as much of the id as the catalogue entry does (so an exact override beats
 * the catalogue, and a broad {@code "claude-"} key only prices models the catalogue does not know).
 * An override may also give {@code cache_write_5m}, {@code cache_write_1h} (else {@code cache_write}
 * is the 5-minute price and the 1-hour price comes from the catalogue, if it knows the model) and
 * {@code tiers} in the catalogue's shape; a field it leaves out comes from the catalogue entry.
 *
 * <p>A model neither knows gets no price: {@link #costUsd} answers null and logs one warning per id.
 */
final class Pricing {
  private static final Logger LOG = LoggerFactory.getLogger(Pricing.class);

  private final ModelCatalog catalog;
  private final Map<String, JsonObject> overrides;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  Pricing(JsonObject overrides) {
    this(ModelCatalog.builtIn(), overrides);
  }

  Pricing(ModelCatalog catalog, JsonObject overrides) {
    this.catalog = catalog;
    this.overrides = new ConcurrentHashMap<>();
    if (overrides != null) {
      for (String key : overrides.fieldNames()) {
        if (!(overrides.getValue(key) instanceof JsonObject price)) {
          throw new IllegalArgumentException("AGENTX_PRICES: \"" + key + "\" must map to an object of prices");
        }
        fromOverride(price, null); // refuse a malformed entry now, not at the first response
        this.overrides.put(key, price.copy());
      }
    }
  }

  ModelCatalog catalog() {
    return catalog;
  }

  /** Cost of one response from its {@code usage} object, or null when the model has no (complete) prices. */
  Double costUsd(String model, JsonObject usage) {
    return costUsd(model, TokenUsage.fromApi(usage));
  }

  /** Cost of one response in USD, or null when the model has no prices or a billed category's price is unknown. */
  Double costUsd(String model, TokenUsage usage) {
    Prices prices = prices(model).orElse(null);
    Double usd = Costs.cost(prices, usage);
    if (usd == null && warned.add(String.valueOf(model))) {
      LOG.warn(prices == null
          ? "No prices for model {}: its cost is reported as null. Add it to the model catalogue (AGENTX_MODELS_FILE) or AGENTX_PRICES."
          : "Model {} has no price for a token category this response used: its cost is reported as null. "
              + "Complete its prices in the model catalogue (AGENTX_MODELS_FILE) or AGENTX_PRICES.", model);
    }
    return usd;
  }

  /** The prices that apply to a model id: the best-matching override or catalogue entry. */
  Optional<Prices> prices(String model) {
    if (model == null) {
      return Optional.empty();
    }
    Optional<ModelCatalog.Match> entry = catalog.match(model);
    String key = null;
    for (String k : overrides.keySet()) {
      if (model.startsWith(k) && (key == null || k.length() > key.length())) {
        key = k;
      }
    }
    Model known = entry.map(ModelCatalog.Match::model).orElse(null);
    if (key != null && key.length() >= entry.map(ModelCatalog.Match::length).orElse(0)) {
      return Optional.of(fromOverride(overrides.get(key), known == null ? null : known.prices()));
    }
    return Optional.ofNullable(known).map(Model::prices);
  }

  private static Prices fromOverride(JsonObject o, Prices known) {
    Prices.Rates k = known == null ? new Prices.Rates(null, null, null, null, null) : known.base();
    Double write5m = number(o, "cache_write_5m", number(o, "cache_write", k.cacheWrite5m()));
    Prices.Rates base = new Prices.Rates(number(o, "input", k.input()), number(o, "output", k.output()), write5m,
        number(o, "cache_write_1h", k.cacheWrite1h()), number(o, "cache_read", k.cacheRead()));
    if (!o.containsKey("tiers")) {
      return Prices.flat(base);
    }
    JsonObject tiers = new JsonObject().put("tiers", o.getValue("tiers"));
    return new Prices(base, ModelCatalog.parsePrices(tiers, "AGENTX_PRICES").tiers());
  }

  private static Double number(JsonObject o, String key, Double fallback) {
    Object v = o.getValue(key);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Number n) || n.doubleValue() < 0) {
      throw new IllegalArgumentException("AGENTX_PRICES: " + key + " must be a number of USD per million tokens, not " + v);
    }
    return n.doubleValue();
  }
}
