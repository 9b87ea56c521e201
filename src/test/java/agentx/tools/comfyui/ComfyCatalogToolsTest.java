package agentx.tools.comfyui;

import static agentx.testing.ComfyToolsHarness.json;
import static agentx.testing.ComfyToolsHarness.text;
import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.ComfyToolsHarness;
import agentx.tools.Tool;
import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("ComfyUI tools: specs and the catalogue tools")
class ComfyCatalogToolsTest {
  private ComfyToolsHarness h;

  @BeforeEach
  void start(Vertx vertx) {
    h = ComfyToolsHarness.start(vertx);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  @Test
  @DisplayName("all 18 tools of the design exist, with object schemas, descriptions and MCP hints")
  void specs() {
    List<String> names = h.tools().stream().map(t -> t.spec().name()).collect(Collectors.toList());

    assertThat(names).containsExactlyInAnyOrder("search_nodes", "get_node_info", "list_models", "get_system_stats",
        "get_workflow", "update_workflow", "modify_node", "add_node", "remove_node", "connect_nodes",
        "validate_workflow", "run_workflow", "get_execution_status", "get_queue", "cancel_execution",
        "get_output_images", "upload_image", "get_logs");
    for (Tool tool : h.tools()) {
      ToolSpec spec = tool.spec();
      assertThat(spec.description()).as(spec.name()).hasSizeGreaterThan(60);
      assertThat(spec.inputSchema().getString("type")).isEqualTo("object");
      assertThat(spec.annotations().getValue("readOnlyHint")).as(spec.name()).isInstanceOf(Boolean.class);
      assertThat(spec.annotations().getValue("destructiveHint")).as(spec.name()).isInstanceOf(Boolean.class);
      JsonArray required = spec.inputSchema().getJsonArray("required", new JsonArray());
      required.forEach(r -> assertThat(spec.inputSchema().getJsonObject("properties").containsKey((String) r)).isTrue());
    }
    assertThat(h.tool("get_workflow").spec().annotations().getBoolean("readOnlyHint")).isTrue();
    assertThat(h.tool("remove_node").spec().annotations().getBoolean("destructiveHint")).isTrue();
    assertThat(h.tool("modify_node").spec().annotations().getBoolean("readOnlyHint")).isFalse();
  }

  @Test
  @DisplayName("search_nodes ranks a class-name hit first and returns inputs and outputs")
  void searchNodesRanksNameHits() {
    JsonObject answer = json(h.call("search_nodes", new JsonObject().put("query", "sampler")));

    JsonObject first = answer.getJsonArray("results").getJsonObject(0);
    assertThat(first.getString("name")).isEqualTo("KSampler");
    assertThat(first.getJsonArray("outputs").getList()).containsExactly("0:LATENT");
    assertThat(first.getJsonArray("inputs").getList()).contains("model:MODEL", "sampler_name:COMBO");
  }

  @Test
  @DisplayName("search_nodes matches descriptions too, filters by category and honours limit")
  void searchNodesFiltersAndLimits() {
    JsonObject decode = json(h.call("search_nodes", new JsonObject().put("query", "decode latent")));
    JsonObject latentOnly = json(h.call("search_nodes", new JsonObject().put("query", "image")
        .put("category", "latent")));
    JsonObject limited = json(h.call("search_nodes", new JsonObject().put("query", "e").put("limit", 2)));

    assertThat(decode.getJsonArray("results").getJsonObject(0).getString("name")).isEqualTo("VAEDecode");
    assertThat(latentOnly.getJsonArray("results").stream().map(r -> ((JsonObject) r).getString("category")))
        .isNotEmpty().allMatch("latent"::equals);
    assertThat(limited.getJsonArray("results")).hasSize(2);
  }

  @Test
  @DisplayName("get_node_info returns full definitions and closest names for unknown classes")
  void getNodeInfo() {
    JsonObject answer = json(h.call("get_node_info", new JsonObject()
        .put("node_types", new JsonArray().add("CheckpointLoaderSimple").add("CheckpointLoader"))));

    assertThat(answer.getJsonObject("nodes").getJsonObject("CheckpointLoaderSimple").getJsonArray("output").getList())
        .containsExactly("MODEL", "CLIP", "VAE");
    assertThat(answer.getJsonObject("unknown").getJsonArray("CheckpointLoader").getList())
        .contains("CheckpointLoaderSimple");
  }

  @Test
  @DisplayName("get_node_info without node_types is an error result naming the argument")
  void getNodeInfoNeedsArguments() {
    ToolResult result = h.call("get_node_info", new JsonObject());

    assertThat(result.isError()).isTrue();
    assertThat(json(result).getString("error")).contains("node_types");
  }

  @Test
  @DisplayName("list_models lists folders, files of a folder, and explains the legacy 'clip' folder")
  void listModels() {
    assertThat(json(h.call("list_models", new JsonObject())).getJsonArray("folders").getList())
        .contains("checkpoints", "loras");
    assertThat(json(h.call("list_models", new JsonObject().put("folder", "checkpoints"))).getJsonArray("files")
        .getList()).contains("v1-5-pruned-emaonly-fp16.safetensors");
    ToolResult clip = h.call("list_models", new JsonObject().put("folder", "clip"));
    assertThat(clip.isError()).isTrue();
    assertThat(json(clip).getString("error")).contains("'clip' is now 'text_encoders'");
  }

  @Test
  @DisplayName("get_system_stats returns ComfyUI's version and devices")
  void systemStats() {
    JsonObject stats = json(h.call("get_system_stats", new JsonObject()));

    assertThat(stats.getJsonObject("system").getString("comfyui_version")).isEqualTo("0.3.64");
    assertThat(stats.getJsonArray("devices")).hasSize(1);
  }

  @Test
  @DisplayName("get_logs returns the tail and lists custom node import failures")
  void getLogs() {
    JsonObject logs = json(h.call("get_logs", new JsonObject().put("lines", 2)));

    assertThat(logs.getJsonArray("lines")).hasSize(2);
    assertThat(logs.getJsonArray("import_failures").encode()).contains("IMPORT FAILED").contains("No module named");
    assertThat(text(h.call("get_logs", new JsonObject()))).contains("Starting server");
  }

  @Test
  @DisplayName("a search query of more than a few words' length is refused, not searched and echoed back whole")
  void searchQueryTooLong() {
    ToolResult result = h.call("search_nodes", new JsonObject().put("query", "sampler ".repeat(1_000)));
    assertThat(result.isError()).isTrue();
    assertThat(text(result)).contains("at most 500 characters");
  }
}
