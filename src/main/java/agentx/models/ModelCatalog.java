package agentx.models;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The model catalogue: for each model id (and dated-snapshot prefix) its family, context window, max
 * output, what its requests may carry and what it costs. Data, not code: the built-in copy is the
 * resource {@code /models.json}; an override of the same shape ({@code AGENTX_MODELS_FILE}, see
 * docs/MODELS.md) is merged over it model by model. No Vert.x I/O: the class-path resource is read
 * once, an override file once when a verticle starts.
 *
 * <p>Lookup is by exact id or alias first, then by the longest prefix an entry declares. There is no
 * family fallback: an id the catalogue does not know is unknown, so it gets no context window, no
 * prices (cost null) and no request rules, rather than another model's.
 */
public final class ModelCatalog {
  public static final String RESOURCE = "/models.json";

  private static volatile ModelCatalog builtIn;

  private final JsonObject json;
  private final List<Model> models;
  private final Map<String, Model> byId = new HashMap<>();
  private final List<Map.Entry<String, Model>> byPrefix = new ArrayList<>();

  private ModelCatalog(JsonObject json) {
    this.json = json;
    List<Model> list = new ArrayList<>();
    JsonArray entries = json.getJsonArray("models");
    if (entries == null) {
      throw new IllegalArgumentException("model catalogue: \"models\" must be an array");
    }
    String checked = json.getString("prices_checked");
    for (int i = 0; i < entries.size(); i++) {
      Object o = entries.getValue(i);
      if (!(o instanceof JsonObject entry)) {
        throw new IllegalArgumentException("model catalogue: models[" + i + "] must be an object");
      }
      Model model = parse(entry, checked);
      list.add(model);
      for (String id : ids(model)) {
        if (byId.put(id, model) != null) {
          throw new IllegalArgumentException("model catalogue: the id " + id + " appears twice");
        }
      }
      model.prefixes().forEach(p -> byPrefix.add(Map.entry(p, model)));
    }
    byPrefix.sort(Comparator.comparingInt((Map.Entry<String, Model> e) -> e.getKey().length()).reversed());
    this.models = List.copyOf(list);
  }

  /** The catalogue shipped in the jar ({@code /models.json}). */
  public static ModelCatalog builtIn() {
    ModelCatalog c = builtIn;
    if (c == null) {
      synchronized (ModelCatalog.class) {
        if (builtIn == null) {
          builtIn = fromJson(readResource());
        }
        c = builtIn;
      }
    }
    return c;
  }

  /** The built-in catalogue with {@code override} merged over it; null or empty means none. */
  public static ModelCatalog load(JsonObject override) {
    return override == null || override.isEmpty() ? builtIn() : builtIn().withOverride(override);
  }

  /**
   * The built-in catalogue with the file {@code path} ({@code AGENTX_MODELS_FILE}) merged over it;
   * null or blank means the built-in one. Blocking (a small local file, read at start).
   *
   * @throws IllegalArgumentException naming the file, and the entry and field when one is wrong
   */
  public static ModelCatalog fromFile(String path) {
    if (path == null || path.isBlank()) {
      return builtIn();
    }
    Path file = Path.of(path.strip());
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException | UncheckedIOException e) {
      throw new IllegalArgumentException("AGENTX_MODELS_FILE " + file + " cannot be read: " + e, e);
    }
    JsonObject override;
    try {
      override = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalArgumentException("AGENTX_MODELS_FILE " + file + " is not a JSON object: " + e.getMessage(), e);
    }
    try {
      return builtIn().withOverride(override);
    } catch (IllegalArgumentException | ClassCastException e) {
      throw new IllegalArgumentException("AGENTX_MODELS_FILE " + file + ": " + e.getMessage(), e);
    }
  }

  /** @throws IllegalArgumentException naming the entry and field that is wrong */
  public static ModelCatalog fromJson(JsonObject json) {
    return new ModelCatalog(json.copy());
  }

  /**
   * A new catalogue: this one with {@code override} (same shape as models.json) merged over it. An
   * override entry whose id matches an entry here is deep-merged into it, so it may carry only the
   * fields it changes (e.g. {@code {"id": "claude-sonnet-5-5", "prices": {"cache_read": 0.1}}});
   * an entry with a new id is added and must then be complete. A top-level {@code prices_checked}
   * replaces the file's date.
   */
  public ModelCatalog withOverride(JsonObject override) {
    JsonObject merged = json.copy();
    if (override.containsKey("prices_checked")) {
      merged.put("prices_checked", override.getValue("prices_checked"));
    }
    JsonArray base = merged.getJsonArray("models");
    Map<String, JsonObject> index = new LinkedHashMap<>();
    for (int i = 0; i < base.size(); i++) {
      JsonObject e = base.getJsonObject(i);
      index.put(e.getString("id"), e);
    }
    JsonArray extra = override.getJsonArray("models", new JsonArray());
    for (int i = 0; i < extra.size(); i++) {
      Object o = extra.getValue(i);
      if (!(o instanceof JsonObject entry) || !(entry.getValue("id") instanceof String id)) {
        throw new IllegalArgumentException("model catalogue override: models[" + i + "] must be an object with a string \"id\"");
      }
      JsonObject existing = index.get(id);
      if (existing != null) {
        existing.mergeIn(entry, true);
      } else {
        base.add(entry.copy());
        index.put(id, base.getJsonObject(base.size() - 1));
      }
    }
    return new ModelCatalog(merged);
  }

  /** The entry for a model id: exact id or alias, else the longest declared prefix; empty when unknown. */
  public Optional<Model> lookup(String modelId) {
    return match(modelId).map(Match::model);
  }

  /** Like {@link #lookup} with how many characters of the id matched (the whole id for an exact match). */
  public Optional<Match> match(String modelId) {
    if (modelId == null || modelId.isEmpty()) {
      return Optional.empty();
    }
    Model exact = byId.get(modelId);
    if (exact != null) {
      return Optional.of(new Match(exact, modelId.length(), true));
    }
    for (Map.Entry<String, Model> e : byPrefix) {
      if (modelId.startsWith(e.getKey())) {
        return Optional.of(new Match(e.getValue(), e.getKey().length(), false));
      }
    }
    return Optional.empty();
  }

  /** The model's context window, or {@code fallback} when the catalogue does not know it. */
  public long contextWindow(String modelId, long fallback) {
    return lookup(modelId).map(Model::contextWindow).orElse(fallback);
  }

  public List<Model> models() {
    return models;
  }

  /** The date the file's prices were checked (entries may carry their own). */
  public String pricesChecked() {
    return json.getString("prices_checked");
  }

  /** The merged catalogue as JSON (e.g. for a {@code GET /models} endpoint). */
  public JsonObject toJson() {
    return json.copy();
  }

  /** A lookup result: the entry, how many characters of the id matched, and whether it was exact. */
  public record Match(Model model, int length, boolean exact) {}

  private static List<String> ids(Model m) {
    List<String> ids = new ArrayList<>();
    ids.add(m.id());
    ids.addAll(m.aliases());
    return ids;
  }

  private static JsonObject readResource() {
    try (InputStream in = ModelCatalog.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("model catalogue: resource " + RESOURCE + " is missing from the class path");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (DecodeException e) {
      throw new IllegalStateException("model catalogue: " + RESOURCE + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  // ---- parsing: every field checked, the error names the model and the field ----

  private static Model parse(JsonObject e, String fileChecked) {
    String id = string(e, "id", "?", true);
    JsonObject thinking = object(e, "thinking", id);
    JsonObject effort = e.getValue("effort") == null ? new JsonObject() : object(e, "effort", id);
    List<String> levels = strings(effort, "levels", id, "effort.levels");
    for (String l : levels) {
      if (!RequestSettings.EFFORT_LEVELS.contains(l)) {
        throw bad(id, "effort.levels", "has an unknown level \"" + l + "\"");
      }
    }
    Model.Thinking t = new Model.Thinking(
        strings(thinking, "modes", id, "thinking.modes"),
        string(thinking, "default", id, true),
        string(thinking, "off", id, false),
        string(thinking, "off_max_effort", id, false),
        string(thinking, "display_default", id, false),
        strings(thinking, "displays", id, "thinking.displays"));
    String checked = e.getString("prices_checked", fileChecked);
    return new Model(
        id,
        strings(e, "aliases", id, "aliases"),
        strings(e, "prefixes", id, "prefixes"),
        string(e, "family", id, true),
        string(e, "generation", id, false),
        e.getString("status", "active"),
        positive(e, "context_window", id),
        (int) positive(e, "max_output", id),
        t,
        levels,
        string(effort, "default", id, false),
        bool(e, "sampling", id),
        bool(e, "prefill", id),
        bool(e, "forced_tool_choice", id),
        e.getValue("context_editing") != null && bool(e, "context_editing", id),
        prices(e.getValue("prices"), id),
        checked,
        strings(e, "sources", id, "sources"),
        strings(e, "inferred", id, "inferred"),
        e.getString("notes"));
  }

  /**
   * Parses a {@code prices} object of the catalogue's shape ({@code input, output, cache_write_5m,
   * cache_write_1h, cache_read, tiers}); {@code owner} names it in errors.
   */
  public static Prices parsePrices(JsonObject prices, String owner) {
    return prices(prices, owner);
  }

  private static Prices prices(Object value, String id) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject p)) {
      throw bad(id, "prices", "must be an object");
    }
    List<Prices.Tier> tiers = new ArrayList<>();
    JsonArray list = p.getJsonArray("tiers", new JsonArray());
    for (int i = 0; i < list.size(); i++) {
      JsonObject tier = list.getJsonObject(i);
      tiers.add(new Prices.Tier(positive(tier, "prompt_tokens_above", id), rates(tier, id, "prices.tiers[" + i + "]")));
    }
    return new Prices(rates(p, id, "prices"), tiers);
  }

  /** Reads input, output, cache_write_5m, cache_write_1h, cache_read; absent or null means unknown. */
  static Prices.Rates rates(JsonObject p, String id, String where) {
    return new Prices.Rates(rate(p, "input", id, where), rate(p, "output", id, where), rate(p, "cache_write_5m", id, where),
        rate(p, "cache_write_1h", id, where), rate(p, "cache_read", id, where));
  }

  private static Double rate(JsonObject p, String key, String id, String where) {
    Object v = p.getValue(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n) || n.doubleValue() < 0) {
      throw bad(id, where + "." + key, "must be a number of USD per million tokens, not " + v);
    }
    return n.doubleValue();
  }

  private static String string(JsonObject o, String key, String id, boolean required) {
    Object v = o.getValue(key);
    if (v == null && !required) {
      return null;
    }
    if (!(v instanceof String s) || s.isEmpty()) {
      throw bad(id, key, "must be a non-empty string");
    }
    return s;
  }

  private static List<String> strings(JsonObject o, String key, String id, String field) {
    Object v = o.getValue(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof JsonArray a) || !a.stream().allMatch(x -> x instanceof String)) {
      throw bad(id, field, "must be an array of strings");
    }
    return a.stream().map(String.class::cast).toList();
  }

  private static JsonObject object(JsonObject o, String key, String id) {
    if (!(o.getValue(key) instanceof JsonObject v)) {
      throw bad(id, key, "must be an object");
    }
    return v;
  }

  private static long positive(JsonObject o, String key, String id) {
    if (!(o.getValue(key) instanceof Number n) || n.longValue() <= 0 || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw bad(id, key, "must be a positive whole number");
    }
    return n.longValue();
  }

  private static boolean bool(JsonObject o, String key, String id) {
    if (!(o.getValue(key) instanceof Boolean b)) {
      throw bad(id, key, "must be true or false");
    }
    return b;
  }

  private static IllegalArgumentException bad(String id, String field, String what) {
    return new IllegalArgumentException("model catalogue: " + id + ": " + field + " " + what);
  }
}
