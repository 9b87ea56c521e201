package agentx.tools.comfyui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import agentx.testing.Fixtures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * UI-format workflows (ComfyUI's default graph, and hand-written ones under comfyui/ui/ for each
 * feature) converted against /object_info and compared with the API format the frontend would send.
 */
@DisplayName("UiWorkflowConverter")
class UiWorkflowConverterTest {
  private static final JsonObject OBJECT_INFO = objectInfo();

  private static JsonObject objectInfo() {
    JsonObject extra = Fixtures.json("ui/object_info_ui.json");
    extra.remove("_doc");
    return Fixtures.objectInfo().mergeIn(extra);
  }

  private static JsonObject convert(String resource) {
    return UiWorkflowConverter.toApi(Fixtures.json(resource), OBJECT_INFO);
  }

  private static JsonObject inputs(JsonObject api, String id) {
    assertThat(api.containsKey(id)).as("node %s in %s", id, api.fieldNames()).isTrue();
    return api.getJsonObject(id).getJsonObject("inputs");
  }

  private static JsonArray link(String id, int slot) {
    return new JsonArray().add(id).add(slot);
  }

  private static UiConversionException failure(JsonObject ui) {
    return catchThrowableOfType(UiConversionException.class, () -> UiWorkflowConverter.toApi(ui, OBJECT_INFO));
  }

  /** The default UI graph with one node's saved widget values replaced. */
  private static JsonObject defaultUiWith(int nodeId, Object widgetsValues) {
    JsonObject ui = Fixtures.json("default_workflow_ui.json");
    for (Object raw : ui.getJsonArray("nodes")) {
      JsonObject node = (JsonObject) raw;
      if (node.getInteger("id") == nodeId) {
        node.put("widgets_values", widgetsValues);
      }
    }
    return ui;
  }

  @Test
  @DisplayName("ComfyUI's default workflow converts to exactly its API export: classes, inputs, seed, titles")
  void defaultWorkflowMatchesTheExport() {
    JsonObject api = convert("default_workflow_ui.json");

    assertThat(api).isEqualTo(Fixtures.defaultWorkflow());
    assertThat(inputs(api, "3").getValue("seed")).isEqualTo(156680208700286L);
    assertThat(inputs(api, "3").fieldNames()).containsExactly("seed", "steps", "cfg", "sampler_name", "scheduler",
        "denoise", "model", "positive", "negative", "latent_image");
  }

  @Test
  @DisplayName("bypassed nodes vanish and are wired through by type (a LoRA, two upscales in a row);"
      + " with no input to pass through, the consumer's input is dropped")
  void bypassedNodesAreWiredThrough() {
    JsonObject api = convert("ui/bypassed_nodes.json");

    JsonObject expected = Fixtures.defaultWorkflow();
    expected.put("14", new JsonObject().put("inputs", new JsonObject().put("vae", link("4", 2)))
        .put("class_type", "VAEEncode").put("_meta", new JsonObject().put("title", "VAE Encode")));
    assertThat(api).isEqualTo(expected);
  }

  @Test
  @DisplayName("muted nodes vanish, and so does an input linked from one")
  void mutedNodesAreLeftOut() {
    JsonObject api = convert("ui/muted_nodes.json");

    JsonObject expected = Fixtures.defaultWorkflow();
    expected.getJsonObject("8").getJsonObject("inputs").remove("samples");
    assertThat(api).isEqualTo(expected);
  }

  @Test
  @DisplayName("Reroute nodes are followed to the real output, through two in a row")
  void reroutesAreFollowed() {
    JsonObject api = convert("ui/reroutes.json");

    assertThat(api).isEqualTo(Fixtures.defaultWorkflow());
  }

  @Test
  @DisplayName("a legacy PrimitiveNode puts its value into the widgets it feeds and is not itself a node")
  void legacyPrimitiveNodeBecomesLiterals() {
    JsonObject api = convert("ui/primitive_node.json");

    assertThat(api.fieldNames()).containsExactlyInAnyOrder("3", "4", "5", "6", "7", "8", "9");
    assertThat(inputs(api, "3").getValue("seed")).isEqualTo(42);
    assertThat(inputs(api, "3").getValue("steps")).isEqualTo(20);
    assertThat(inputs(api, "5").getMap()).containsEntry("width", 768).containsEntry("height", 768)
        .containsEntry("batch_size", 1);
  }

  @Test
  @DisplayName("a widget fed by a link takes the link; its saved value still holds its place in widgets_values,"
      + " so the widgets after it keep theirs")
  void linkIntoWidgetWins() {
    JsonObject api = convert("ui/converted_widget_link.json");

    assertThat(inputs(api, "3").getValue("seed")).isEqualTo(link("10", 0));
    assertThat(inputs(api, "3").getMap()).containsEntry("steps", 30).containsEntry("cfg", 6.5)
        .containsEntry("sampler_name", "dpmpp_2m").containsEntry("scheduler", "karras").containsEntry("denoise", 0.9);
    assertThat(api.getJsonObject("10")).isEqualTo(new JsonObject().put("inputs", new JsonObject().put("value", 1234))
        .put("class_type", "PrimitiveInt").put("_meta", new JsonObject().put("title", "Shared seed")));
    assertThat(inputs(api, "5").getMap()).containsEntry("width", 640).containsEntry("height", 448)
        .containsEntry("batch_size", 2);
  }

  @Test
  @DisplayName("notes, markdown notes and a frontend-only node nothing is linked to are skipped silently")
  void notesAreSkipped() {
    JsonObject api = convert("ui/notes_and_frontend_only_nodes.json");

    assertThat(api).isEqualTo(Fixtures.defaultWorkflow());
  }

  @Test
  @DisplayName("a legacy group node expands into <group id>:<index> nodes, with the group's widget values")
  void groupNodeIsExpanded() {
    JsonObject api = convert("ui/group_node.json");

    assertThat(api.fieldNames()).containsExactlyInAnyOrder("4", "5", "6", "7", "10:0", "10:1", "9");
    assertThat(api.getJsonObject("10:0").getString("class_type")).isEqualTo("KSampler");
    assertThat(inputs(api, "10:0")).isEqualTo(new JsonObject().put("seed", 777).put("steps", 25).put("cfg", 7.5)
        .put("sampler_name", "dpmpp_2m").put("scheduler", "karras").put("denoise", 1)
        .put("model", link("4", 0)).put("positive", link("6", 0)).put("negative", link("7", 0))
        .put("latent_image", link("5", 0)));
    assertThat(inputs(api, "10:1"))
        .isEqualTo(new JsonObject().put("samples", link("10:0", 0)).put("vae", link("4", 2)));
    assertThat(inputs(api, "9").getValue("images")).isEqualTo(link("10:1", 0));
  }

  @Test
  @DisplayName("subgraphs expand into <instance id>:<inner id> nodes: outer links in, promoted widgets, outputs out")
  void subgraphsAreExpanded() {
    JsonObject api = convert("ui/subgraphs.json");

    assertThat(api.fieldNames()).containsExactlyInAnyOrder("4", "5", "6:1", "7:1", "10:1", "10:2", "9");
    assertThat(inputs(api, "6:1")).isEqualTo(new JsonObject().put("text", "a lighthouse at dusk")
        .put("clip", link("4", 1)));
    assertThat(inputs(api, "7:1").getValue("text")).isEqualTo("lowres");
    assertThat(inputs(api, "10:1")).isEqualTo(new JsonObject().put("seed", 31337).put("steps", 28).put("cfg", 5.5)
        .put("sampler_name", "euler_ancestral").put("scheduler", "simple").put("denoise", 1)
        .put("model", link("4", 0)).put("positive", link("6:1", 0)).put("negative", link("7:1", 0))
        .put("latent_image", link("5", 0)));
    assertThat(inputs(api, "10:2"))
        .isEqualTo(new JsonObject().put("samples", link("10:1", 0)).put("vae", link("4", 2)));
    assertThat(inputs(api, "9").getValue("images")).isEqualTo(link("10:2", 0));
  }

  @Test
  @DisplayName("a subgraph inside a subgraph nests its ids: <outer>:<inner instance>:<node>")
  void nestedSubgraphsNestIds() {
    JsonObject api = convert("ui/nested_subgraphs.json");

    assertThat(api.fieldNames()).containsExactlyInAnyOrder("3", "4", "5", "6:3:1", "7", "8", "9");
    assertThat(inputs(api, "6:3:1")).isEqualTo(new JsonObject().put("text", "a nested prompt")
        .put("clip", link("4", 1)));
    assertThat(inputs(api, "3").getValue("positive")).isEqualTo(link("6:3:1", 0));
  }

  @Test
  @DisplayName("bypassing a subgraph node bypasses everything inside it, and its consumers are wired through by type")
  void bypassedSubgraphTakesItsInsideAlong() {
    JsonObject ui = Fixtures.json("ui/subgraphs.json");
    ui.getJsonArray("nodes").forEach(raw -> {
      JsonObject node = (JsonObject) raw;
      if (node.getInteger("id") == 10) {
        node.put("mode", 4);
      }
    });

    JsonObject api = UiWorkflowConverter.toApi(ui, OBJECT_INFO);

    assertThat(api.fieldNames()).containsExactlyInAnyOrder("4", "5", "6:1", "7:1", "9");
    assertThat(inputs(api, "9").containsKey("images")).as("no IMAGE input to pass through").isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"default_workflow_ui.json", "ui/bypassed_nodes.json", "ui/reroutes.json",
      "ui/primitive_node.json", "ui/converted_widget_link.json", "ui/group_node.json", "ui/subgraphs.json",
      "ui/nested_subgraphs.json"})
  @DisplayName("what the converter makes passes ComfyUI's validation (offline copy): it is runnable as is")
  void conversionsValidate(String resource) {
    JsonObject result = new WorkflowValidator().validate(convert(resource), OBJECT_INFO);

    assertThat(result.getBoolean("valid")).as(result.encodePrettily()).isTrue();
  }

  @Test
  @DisplayName("a linked node of a class /object_info does not know is refused, naming the node and its type")
  void unknownClassIsRefused() {
    UiConversionException e = failure(Fixtures.json("ui/unknown_class.json"));

    assertThat(e).isNotNull();
    assertThat(e.nodeId()).isEqualTo("12");
    assertThat(e.nodeType()).isEqualTo("ETN_LoadImageBase64");
    assertThat(e.getMessage()).startsWith("Node 12 (ETN_LoadImageBase64) cannot be converted")
        .contains("not installed");
  }

  @Test
  @DisplayName("a link from a node that is not in the workflow is refused, naming the consumer and the missing node")
  void linkFromMissingNodeIsRefused() {
    UiConversionException e = failure(Fixtures.json("ui/link_from_missing_node.json"));

    assertThat(e).isNotNull();
    assertThat(e.nodeId()).isEqualTo("9");
    assertThat(e.getMessage()).contains("input 'images'").contains("node 42, which is not in the workflow");
  }

  @Test
  @DisplayName("an input that names a link missing from the links list is refused")
  void unknownLinkIdIsRefused() {
    JsonObject ui = Fixtures.json("default_workflow_ui.json");
    JsonArray links = new JsonArray();
    ui.getJsonArray("links").forEach(raw -> {
      if (((JsonArray) raw).getInteger(0) != 7) {
        links.add(raw);
      }
    });
    ui.put("links", links);

    UiConversionException e = failure(ui);

    assertThat(e).isNotNull();
    assertThat(e.nodeId()).isEqualTo("8");
    assertThat(e.getMessage()).contains("input 'samples' uses link 7, which is not in the workflow's links");
  }

  @Test
  @DisplayName("a workflow already in API format is refused as not UI format, with no node to blame")
  void apiFormatIsRefused() {
    UiConversionException e = failure(Fixtures.defaultWorkflow());

    assertThat(e).isNotNull();
    assertThat(e.nodeId()).isNull();
    assertThat(e.getMessage()).contains("UI save format");
  }

  @Test
  @DisplayName("two reroutes feeding each other are refused as a loop instead of recursing forever")
  void rerouteLoopIsRefused() {
    JsonObject ui = Fixtures.json("ui/reroutes.json");
    // Reroute 10 now takes its input from reroute 11, which takes it from 10.
    for (Object raw : ui.getJsonArray("links")) {
      JsonArray l = (JsonArray) raw;
      if (l.getInteger(3) == 10) {
        l.set(1, 11).set(2, 0);
      }
    }

    UiConversionException e = failure(ui);

    assertThat(e).isNotNull();
    assertThat(e.nodeType()).isEqualTo("Reroute");
    assertThat(e.getMessage()).contains("loop of links");
  }

  @Test
  @DisplayName("widgets_values saved as an object (VHS style) is read by name; unknown keys are ignored")
  void namedWidgetValues() {
    JsonObject values = new JsonObject().put("batch_size", 2).put("width", 640).put("height", 480)
        .put("videopreview", new JsonObject().put("hidden", false));

    JsonObject api = UiWorkflowConverter.toApi(defaultUiWith(5, values), OBJECT_INFO);

    assertThat(inputs(api, "5")).isEqualTo(new JsonObject().put("width", 640).put("height", 480).put("batch_size", 2));
  }

  @Test
  @DisplayName("values missing at the end of widgets_values become the widgets' defaults, as in a freshly loaded node")
  void missingValuesTakeDefaults() {
    JsonObject api = UiWorkflowConverter.toApi(
        defaultUiWith(3, new JsonArray().add(5).add("fixed").add(12).add(7).add("euler").add("normal")), OBJECT_INFO);

    assertThat(inputs(api, "3").getMap()).containsEntry("seed", 5).containsEntry("steps", 12)
        .containsEntry("denoise", 1.0);
  }

  @Test
  @DisplayName("a list value is wrapped in __value__ so ComfyUI does not take it for a link")
  void listValuesAreWrapped() {
    JsonObject api = UiWorkflowConverter.toApi(defaultUiWith(7, new JsonArray().add(new JsonArray().add("a").add("b"))),
        OBJECT_INFO);

    assertThat(inputs(api, "7").getValue("text"))
        .isEqualTo(new JsonObject().put("__value__", new JsonArray().add("a").add("b")));
  }

  @Test
  @DisplayName("the upload button's saved value comes after all required widgets and is no input")
  void uploadButtonValueIsSkipped() {
    JsonObject info = OBJECT_INFO.copy().put("LoadImageMask", new JsonObject()
        .put("input", new JsonObject().put("required", new JsonObject()
            .put("image", new JsonArray().add(new JsonArray().add("mask.png"))
                .add(new JsonObject().put("image_upload", true)))
            .put("channel", new JsonArray().add(new JsonArray().add("alpha").add("red").add("green").add("blue")))))
        .put("output", new JsonArray().add("MASK")).put("name", "LoadImageMask")
        .put("display_name", "Load Image (as Mask)"));
    JsonObject ui = new JsonObject().put("nodes", new JsonArray().add(new JsonObject().put("id", 1)
        .put("type", "LoadImageMask").put("mode", 0).put("inputs", new JsonArray())
        .put("widgets_values", new JsonArray().add("mask.png").add("red").add("image")))).put("links", new JsonArray());

    JsonObject api = UiWorkflowConverter.toApi(ui, info);

    assertThat(inputs(api, "1")).isEqualTo(new JsonObject().put("image", "mask.png").put("channel", "red"));
  }

  @Test
  @DisplayName("an INT named seed has a control_after_generate value even when /object_info does not ask for one")
  void seedNameImpliesControlValue() {
    JsonObject info = OBJECT_INFO.copy();
    info.getJsonObject("KSampler").getJsonObject("input").getJsonObject("required").getJsonArray("seed")
        .getJsonObject(1).remove("control_after_generate");

    JsonObject api = UiWorkflowConverter.toApi(Fixtures.json("default_workflow_ui.json"), info);

    assertThat(inputs(api, "3").getMap()).containsEntry("seed", 156680208700286L).containsEntry("steps", 20);
  }

  @Test
  @DisplayName("malformed beyond what the converter checks (a link from slot -1 of a bypassed node, a group node's inner node "
      + "without a type, 3,000 reroutes in a chain) is a conversion error naming the workflow, not a crash")
  void malformedBeyondTheChecks() {
    JsonObject negativeSlot = Fixtures.json("ui/bypassed_nodes.json");
    negativeSlot.getJsonArray("links").getJsonArray(4).set(2, -1);
    JsonObject typeless = Fixtures.json("ui/group_node.json");
    JsonObject groups = typeless.getJsonObject("extra").getJsonObject("groupNodes");
    groups.getJsonObject(groups.fieldNames().iterator().next()).getJsonArray("nodes").getJsonObject(0).remove("type");
    assertThat(inputs(UiWorkflowConverter.toApi(rerouteChain(50), OBJECT_INFO), "52").getJsonArray("samples"))
        .as("a chain of 50 converts: the reroutes resolve to the latent").isEqualTo(link("1", 0));
    for (JsonObject ui : new JsonObject[] {negativeSlot, typeless, rerouteChain(3_000)}) {
      UiConversionException e = failure(ui);
      assertThat(e).isNotNull();
      assertThat(e.getMessage()).isNotBlank();
    }
    // the chain's limit is a rule, not where the stack ends (which moves with the JIT and the thread)
    assertThat(inputs(UiWorkflowConverter.toApi(rerouteChain(UiWorkflowConverter.MAX_LINK_HOPS - 2), OBJECT_INFO),
        String.valueOf(UiWorkflowConverter.MAX_LINK_HOPS)).getJsonArray("samples")).isEqualTo(link("1", 0));
    assertThat(failure(rerouteChain(UiWorkflowConverter.MAX_LINK_HOPS + 1)).getMessage()).contains("more than " + UiWorkflowConverter.MAX_LINK_HOPS);
  }

  /** EmptyLatentImage → {@code n} Reroutes → VAEDecode's samples input (its vae left unlinked). */
  private static JsonObject rerouteChain(int n) {
    JsonArray nodes = new JsonArray().add(new JsonObject().put("id", 1).put("type", "EmptyLatentImage").put("mode", 0)
        .put("inputs", new JsonArray()).put("outputs", new JsonArray().add(new JsonObject().put("name", "LATENT").put("type", "LATENT")
            .put("links", new JsonArray().add(1)))).put("widgets_values", new JsonArray().add(512).add(512).add(1)));
    JsonArray links = new JsonArray();
    for (int i = 0; i < n; i++) {
      int id = 2 + i;
      nodes.add(new JsonObject().put("id", id).put("type", "Reroute").put("mode", 0)
          .put("inputs", new JsonArray().add(new JsonObject().put("name", "").put("type", "*").put("link", i + 1)))
          .put("outputs", new JsonArray().add(new JsonObject().put("name", "").put("type", "LATENT").put("links", new JsonArray().add(i + 2)))));
      links.add(new JsonArray().add(i + 1).add(id - 1).add(0).add(id).add(0).add("LATENT"));
    }
    int last = 2 + n;
    nodes.add(new JsonObject().put("id", last).put("type", "VAEDecode").put("mode", 0)
        .put("inputs", new JsonArray().add(new JsonObject().put("name", "samples").put("type", "LATENT").put("link", n + 1)))
        .put("outputs", new JsonArray()));
    links.add(new JsonArray().add(n + 1).add(last - 1).add(0).add(last).add(0).add("LATENT"));
    return new JsonObject().put("nodes", nodes).put("links", links).put("last_node_id", last).put("last_link_id", n + 1);
  }
}
