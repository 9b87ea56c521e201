package agentx.tools.comfyui;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.Fixtures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ComfyUI's node catalogue as the tools read it")
class NodeCatalogTest {

  @Test
  @DisplayName("an entry in a shape no ComfyUI uses is left out or mended: search and validation keep working for the rest")
  void malformedEntries() {
    JsonObject info = Fixtures.objectInfo();
    int real = info.size();
    info.put("BrokenNull", null).put("BrokenText", "x").put("BrokenList", new JsonArray().add(1));
    info.getJsonObject("VAEDecode").put("input", new JsonArray().add("oops"));
    info.getJsonObject("KSampler").getJsonObject("input").put("optional", "nope");
    info.getJsonObject("KSampler").getJsonObject("input").getJsonObject("required").put("bad_spec", 5);
    info.getJsonObject("SaveImage").put("output", "IMAGE").put("category", 7);

    JsonObject kept = NodeCatalog.wellFormed(info);

    assertThat(kept.size()).isEqualTo(real);
    NodeCatalog catalog = new NodeCatalog(kept);
    assertThat(catalog.has("VAEDecode")).isTrue();
    assertThat(catalog.inputs("VAEDecode")).isEmpty();
    assertThat(catalog.inputs("KSampler")).extracting(NodeCatalog.InputSpec::name).contains("seed", "steps").doesNotContain("bad_spec");
    assertThat(catalog.outputs("SaveImage")).isEmpty();
    assertThat(NodeSearch.search(catalog, "sampler", null, 10)).isNotEmpty();
    assertThat(NodeSearch.search(catalog, "save", null, 10)).isNotEmpty();
    // a well-formed catalogue is unchanged
    assertThat(NodeCatalog.wellFormed(Fixtures.objectInfo())).isEqualTo(Fixtures.objectInfo());
  }
}
