package agentx.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelCatalogTest {
  private final ModelCatalog catalog = ModelCatalog.builtIn();

  /**
   * The figures of the Claude documentation as read on 2026-11-30 (model overview pages, pricing page,
   * Sonnet 5.5 migration guide for its $0.10 cache read; URLs in docs/MODELS.md). A price change is a
   * change to models.json, its prices_checked date and this table together. Empty = unknown.
   */
  @ParameterizedTest(name = "docs read 2026-11-30: {0}: {1} context, {2} max output, ${3} / ${4}, cache 5m ${5} 1h ${6} read ${7}")
  @CsvSource({
      "claude-fable-5-2,          1000000, 128000, 8,   40,  ,      ,   ",
      "claude-fable-5-1,          1000000, 128000, 10,  50,  12.5,  20, 0.25",
      "claude-fable-5,            1000000, 128000, 10,  50,  12.5,  20, 1",
      "claude-opus-5-5,           1000000, 128000, 4,   20,  5,     8,  0.2",
      "claude-opus-5,             1000000, 128000, 5,   25,  6.25,  10, 0.5",
      "claude-sonnet-5-5,         1000000, 128000, 2,   10,  2.5,   4,  0.1",
      "claude-sonnet-5,           1000000, 128000, 2,   10,  2.5,   4,  0.2",
      "claude-haiku-5-5,          1000000, 128000, 0.1, 0.5, 0.125, 0.2, 0.01",
      "claude-opus-4-8,           1000000, 128000, 5,   25,  6.25,  10, 0.5",
      "claude-opus-4-7,           1000000, 128000, 5,   25,  6.25,  10, 0.5",
      "claude-opus-4-6,           1000000, 128000, 5,   25,  6.25,  10, 0.5",
      "claude-sonnet-4-6,         1000000, 128000, 3,   15,  3.75,  6,  0.3",
      "claude-opus-4-5-20251101,  200000,  64000,  5,   25,  6.25,  10, 0.5",
      "claude-sonnet-4-5-20250929, 200000, 64000,  3,   15,  3.75,  6,  0.3",
      "claude-haiku-4-5-20251001, 200000,  64000,  1,   5,   1.25,  2,  0.1"})
  void pinnedFigures(String id, long window, int maxOutput, Double input, Double output, Double write5m, Double write1h, Double read) {
    Model m = catalog.lookup(id).orElseThrow();
    assertThat(m.id()).isEqualTo(id);
    assertThat(m.contextWindow()).isEqualTo(window);
    assertThat(m.maxOutput()).isEqualTo(maxOutput);
    assertThat(m.prices().base()).isEqualTo(new Prices.Rates(input, output, write5m, write1h, read));
    assertThat(m.pricesChecked()).isEqualTo("2026-11-30");
    assertThat(m.sources()).isNotEmpty();
  }

  @Test
  @DisplayName("docs read 2026-11-30: Haiku 5.5 costs more for prompts over 100,000 tokens ($0.50 / $2.50, cache 5m $0.625 1h $1 read $0.05)")
  void haikuTier() {
    Prices p = catalog.lookup("claude-haiku-5-5").orElseThrow().prices();
    assertThat(p.tiers()).containsExactly(new Prices.Tier(100_000, new Prices.Rates(0.5, 2.5, 0.625, 1.0, 0.05)));
    assertThat(p.ratesFor(100_000)).isEqualTo(p.base());
    assertThat(p.ratesFor(100_001)).isEqualTo(p.tiers().get(0).rates());
  }

  @Test
  @DisplayName("docs read 2026-11-30: context editing is marked for the models the context-editing page lists, and only those")
  void contextEditing() {
    java.util.Set<String> listed = java.util.Set.of("claude-fable-5-1", "claude-mythos-5-1", "claude-fable-5", "claude-mythos-5",
        "claude-opus-5-5", "claude-opus-5", "claude-sonnet-5-5", "claude-sonnet-5", "claude-haiku-5-5", "claude-haiku-4-5-20251001",
        "claude-opus-4-8", "claude-opus-4-7", "claude-opus-4-6", "claude-sonnet-4-6", "claude-opus-4-5-20251101",
        "claude-sonnet-4-5-20250929");
    for (Model m : catalog.models()) {
      assertThat(m.contextEditing()).as(m.id()).isEqualTo(listed.contains(m.id()));
    }
    // an alias means the same entry; an override may leave the field out (false) or must give a boolean
    assertThat(catalog.lookup("claude-haiku-4-5").orElseThrow().contextEditing()).isTrue();
    JsonObject added = new JsonObject().put("models", new JsonArray().add(new JsonObject(catalog.toJson().getJsonArray("models")
        .getJsonObject(0).encode()).put("id", "claude-new").putNull("context_editing")));
    assertThat(catalog.withOverride(added).lookup("claude-new").orElseThrow().contextEditing()).isFalse();
    JsonObject wrong = new JsonObject().put("models", new JsonArray().add(new JsonObject().put("id", "claude-sonnet-5-5")
        .put("context_editing", "yes")));
    assertThatThrownBy(() -> catalog.withOverride(wrong)).hasMessageContaining("claude-sonnet-5-5").hasMessageContaining("context_editing");
  }

  @Test
  @DisplayName("docs read 2026-11-30: the request rules of the current 5.x models")
  void currentRules() {
    Model sonnet = catalog.lookup("claude-sonnet-5-5").orElseThrow();
    assertThat(sonnet.thinking().modes()).containsExactly("adaptive", "between_tools");
    assertThat(sonnet.thinking().offMode()).isEqualTo("between_tools");
    assertThat(sonnet.thinking().offMaxEffort()).isEqualTo("high");
    assertThat(sonnet.defaultEffort()).isEqualTo("high");
    assertThat(sonnet.samplingAllowed()).isFalse();
    assertThat(sonnet.prefillAllowed()).isFalse();
    assertThat(sonnet.forcedToolChoiceAllowed()).isFalse();

    Model opus = catalog.lookup("claude-opus-5-5").orElseThrow();
    assertThat(opus.thinking().alwaysOn()).isTrue();
    assertThat(opus.defaultEffort()).isEqualTo("medium");
    assertThat(opus.effortLevels()).containsExactly("low", "medium", "high", "xhigh", "max");

    Model haiku = catalog.lookup("claude-haiku-5-5").orElseThrow();
    assertThat(haiku.thinking().offMode()).isEqualTo("disabled");
    assertThat(haiku.defaultEffort()).isEqualTo("medium");
    assertThat(haiku.samplingAllowed()).isFalse();

    Model fable = catalog.lookup("claude-fable-5-1").orElseThrow();
    assertThat(fable.thinking().alwaysOn()).isTrue();
    assertThat(fable.forcedToolChoiceAllowed()).isFalse();

    Model sonnet46 = catalog.lookup("claude-sonnet-4-6").orElseThrow();
    assertThat(sonnet46.thinking().modes()).contains("adaptive", "enabled");
    assertThat(sonnet46.effortLevels()).doesNotContain("xhigh");
    assertThat(sonnet46.samplingAllowed()).isTrue();

    Model haiku45 = catalog.lookup("claude-haiku-4-5").orElseThrow();
    assertThat(haiku45.effortLevels()).isEmpty();
    assertThat(haiku45.thinking().modes()).containsExactly("enabled", "disabled");
  }

  @Test
  @DisplayName("lookup: exact id, alias, then the longest declared prefix (a dated snapshot the catalogue has not listed)")
  void lookup() {
    assertThat(catalog.lookup("claude-sonnet-4-5").orElseThrow().id()).isEqualTo("claude-sonnet-4-5-20250929");
    assertThat(catalog.match("claude-sonnet-4-5-20250929").orElseThrow().exact()).isTrue();
    ModelCatalog.Match snapshot = catalog.match("claude-haiku-4-5-20261231").orElseThrow();
    assertThat(snapshot.exact()).isFalse();
    assertThat(snapshot.model().id()).isEqualTo("claude-haiku-4-5-20251001");
    assertThat(catalog.lookup("claude-opus-4-20250514").orElseThrow().generation()).isEqualTo("4");
    assertThat(catalog.lookup("claude-opus-4-1-20250805").orElseThrow().generation()).isEqualTo("4.1");
  }

  @Test
  @DisplayName("lookup: an unknown id is unknown, never the nearest family member (claude-fable-5-3 is not Fable 5)")
  void unknown() {
    assertThat(catalog.lookup("claude-fable-5-3")).isEmpty();
    assertThat(catalog.lookup("claude-sonnet-5-5-20270101")).isEmpty();
    assertThat(catalog.lookup("claude-x")).isEmpty();
    assertThat(catalog.lookup(null)).isEmpty();
    assertThat(catalog.contextWindow("claude-x", 200_000)).isEqualTo(200_000);
    assertThat(catalog.contextWindow("claude-opus-5-5", 200_000)).isEqualTo(1_000_000);
  }

  @Test
  @DisplayName("an override changes one field of an entry, adds a model, and leaves the built-in catalogue alone")
  void override() {
    JsonObject override = new JsonObject().put("prices_checked", "2027-01-15").put("models", new JsonArray()
        .add(new JsonObject().put("id", "claude-sonnet-5-5").put("prices", new JsonObject().put("cache_read", 0.05)))
        .add(new JsonObject().put("id", "claude-sonnet-6").put("family", "sonnet").put("context_window", 2_000_000)
            .put("max_output", 256_000).put("thinking", new JsonObject().put("modes", new JsonArray().add("adaptive")).put("default", "adaptive"))
            .put("sampling", false).put("prefill", false).put("forced_tool_choice", false)
            .put("prices", new JsonObject().put("input", 2).put("output", 10))));
    ModelCatalog merged = catalog.withOverride(override);

    Model sonnet = merged.lookup("claude-sonnet-5-5").orElseThrow();
    assertThat(sonnet.prices().base().cacheRead()).isEqualTo(0.05);
    assertThat(sonnet.prices().base().input()).isEqualTo(2.0);
    assertThat(sonnet.contextWindow()).isEqualTo(1_000_000);
    assertThat(sonnet.pricesChecked()).isEqualTo("2027-01-15");
    Model added = merged.lookup("claude-sonnet-6").orElseThrow();
    assertThat(added.contextWindow()).isEqualTo(2_000_000);
    assertThat(added.prices().base().cacheRead()).isNull();

    assertThat(catalog.lookup("claude-sonnet-5-5").orElseThrow().prices().base().cacheRead()).isEqualTo(0.1);
    assertThat(catalog.lookup("claude-sonnet-6")).isEmpty();
    assertThat(ModelCatalog.load(null)).isSameAs(catalog);
  }

  @Test
  @DisplayName("a malformed entry is refused with the model and the field named")
  void malformed() {
    JsonObject incomplete = new JsonObject().put("models", new JsonArray().add(new JsonObject().put("id", "claude-y").put("family", "y")));
    assertThatThrownBy(() -> catalog.withOverride(incomplete)).hasMessageContaining("claude-y").hasMessageContaining("thinking");
    JsonObject badPrice = new JsonObject().put("models", new JsonArray()
        .add(new JsonObject().put("id", "claude-opus-5-5").put("prices", new JsonObject().put("input", "four"))));
    assertThatThrownBy(() -> catalog.withOverride(badPrice)).hasMessageContaining("claude-opus-5-5").hasMessageContaining("prices.input");
    JsonObject badEffort = new JsonObject().put("models", new JsonArray()
        .add(new JsonObject().put("id", "claude-opus-5-5").put("effort", new JsonObject().put("levels", new JsonArray().add("extreme")))));
    assertThatThrownBy(() -> catalog.withOverride(badEffort)).hasMessageContaining("effort.levels").hasMessageContaining("extreme");
  }
}
