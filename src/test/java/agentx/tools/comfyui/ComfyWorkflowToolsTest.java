package agentx.tools.comfyui;

import static agentx.testing.ComfyToolsHarness.SESSION;
import static agentx.testing.ComfyToolsHarness.json;
import static agentx.testing.ComfyToolsHarness.text;
import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.Await;
import agentx.testing.ComfyToolsHarness;
import agentx.testing.Fixtures;
import agentx.testing.RecordingToolContext;
import agentx.protocol.ToolResult;
import agentx.tools.WorkflowStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.math.BigInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("ComfyUI tools: the session workflow")
class ComfyWorkflowToolsTest {
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
  @DisplayName("get_workflow says there is none yet, then returns the saved version")
  void getWorkflow() {
    JsonObject none = json(h.call("get_workflow", new JsonObject()));
    assertThat(none.getInteger("version")).isZero();
    assertThat(none.getValue("workflow")).isNull();

    h.saveDefaultWorkflow();
    JsonObject current = json(h.call("get_workflow", new JsonObject()));
    assertThat(current.getInteger("version")).isEqualTo(1);
    assertThat(current.getInteger("node_count")).isEqualTo(7);
    assertThat(current.getJsonObject("workflow").getJsonObject("3").getString("class_type")).isEqualTo("KSampler");
  }

  @Test
  @DisplayName("update_workflow saves a new version and answers its validation")
  void updateWorkflow() {
    JsonObject wf = Fixtures.defaultWorkflow();
    wf.getJsonObject("3").getJsonObject("inputs").put("steps", 0);

    JsonObject answer = json(h.call("update_workflow", new JsonObject().put("workflow", wf)
        .put("description", "from the canvas")));

    assertThat(answer.getInteger("version")).isEqualTo(1);
    assertThat(answer.getJsonObject("validation").getBoolean("valid")).isFalse();
    assertThat(answer.getJsonObject("validation").getJsonArray("problems").getJsonObject(0).getString("type"))
        .isEqualTo("value_smaller_than_min");
    assertThat(Await.result(h.store.current(SESSION)).getString("description")).isEqualTo("from the canvas");
  }

  @Test
  @DisplayName("update_workflow stores a node given without inputs with empty ones, as PUT /workflow would take it")
  void nodeWithoutInputs() {
    JsonObject answer = json(h.call("update_workflow", new JsonObject().put("workflow",
        new JsonObject().put("1", new JsonObject().put("class_type", "KSampler")))));
    assertThat(answer.getInteger("version")).isEqualTo(1);
    JsonObject stored = h.currentWorkflow();
    assertThat(stored.getJsonObject("1").getJsonObject("inputs")).isEqualTo(new JsonObject());
    agentx.protocol.WorkflowFormat.checkApiFormat(stored);
  }

  @Test
  @DisplayName("update_workflow converts the UI save format with the node catalogue; a UI workflow with an unknown class is refused and nothing saved")
  void updateWorkflowConvertsUiFormat() {
    JsonObject ui = Fixtures.json("default_workflow_ui.json");
    JsonObject unknown = ui.copy();
    unknown.getJsonArray("nodes").getJsonObject(0).put("type", "NoSuchNodeClass");
    ToolResult refused = h.call("update_workflow", new JsonObject().put("workflow", unknown));
    assertThat(refused.isError()).isTrue();
    assertThat(json(refused).getString("error")).contains("NoSuchNodeClass");
    assertThat(h.store.count(SESSION)).isZero();

    ToolResult result = h.call("update_workflow", new JsonObject().put("workflow", ui));
    assertThat(result.isError()).as(json(result).encode()).isFalse();
    assertThat(json(result).getLong("version")).isEqualTo(1);
    JsonObject expected = Fixtures.json("default_workflow_api.json");
    JsonObject saved = h.currentWorkflow();
    assertThat(saved.fieldNames()).isEqualTo(expected.fieldNames());
    assertThat(saved.getJsonObject("3").getJsonObject("inputs")).isEqualTo(expected.getJsonObject("3").getJsonObject("inputs"));
  }

  @Test
  @DisplayName("update_workflow accepts a /prompt body and unwraps its prompt")
  void updateWorkflowUnwrapsPromptBody() {
    JsonObject answer = json(h.call("update_workflow", new JsonObject()
        .put("workflow", Fixtures.json("prompt_request_example.json"))));

    assertThat(answer.getInteger("node_count")).isEqualTo(7);
    assertThat(answer.getJsonObject("validation").getBoolean("valid")).isTrue();
  }

  @Test
  @DisplayName("modify_node changes only the given inputs and saves a new version")
  void modifyNode() {
    h.saveDefaultWorkflow();

    JsonObject answer = json(h.call("modify_node", new JsonObject().put("node_id", "3")
        .put("inputs", new JsonObject().put("steps", 30).put("cfg", 6.5))));

    assertThat(answer.getInteger("version")).isEqualTo(2);
    assertThat(answer.getJsonObject("validation").getBoolean("valid")).isTrue();
    JsonObject inputs = h.currentWorkflow().getJsonObject("3").getJsonObject("inputs");
    assertThat(inputs.getInteger("steps")).isEqualTo(30);
    assertThat(inputs.getDouble("cfg")).isEqualTo(6.5);
    assertThat(inputs.getString("sampler_name")).isEqualTo("euler");
  }

  @Test
  @DisplayName("an edit racing with a save made elsewhere (another tools node, the canvas) is made again on the new version: both changes survive")
  void editRacingAnotherSave() {
    h.saveDefaultWorkflow();
    int[] conditionalSaves = {0};
    WorkflowStore racing = new WorkflowStore() {
      @Override
      public Future<JsonObject> current(String sessionId) {
        return h.store.current(sessionId);
      }

      @Override
      public Future<JsonObject> save(String sessionId, JsonObject workflow, String description, Long baseVersion) {
        if (baseVersion != null && conditionalSaves[0]++ == 0) {
          // between the tool's read and its save, the canvas pushes a change of its own
          JsonObject canvas = h.currentWorkflow().copy();
          canvas.getJsonObject("3").getJsonObject("inputs").put("seed", 42);
          return h.store.save(sessionId, canvas, "from the canvas", null)
              .compose(v -> h.store.save(sessionId, workflow, description, baseVersion));
        }
        return h.store.save(sessionId, workflow, description, baseVersion);
      }

      @Override
      public Future<JsonArray> versions(String sessionId) {
        return h.store.versions(sessionId);
      }

      @Override
      public Future<JsonObject> version(String sessionId, int version) {
        return h.store.version(sessionId, version);
      }
    };

    JsonObject answer = json(h.call("modify_node", new JsonObject().put("node_id", "3").put("inputs", new JsonObject().put("steps", 30)),
        new RecordingToolContext(SESSION, racing)));

    assertThat(conditionalSaves[0]).isEqualTo(2); // refused once, made again
    assertThat(answer.getInteger("version")).isEqualTo(3);
    JsonObject inputs = h.currentWorkflow().getJsonObject("3").getJsonObject("inputs");
    assertThat(inputs.getInteger("steps")).isEqualTo(30);
    assertThat(inputs.getInteger("seed")).isEqualTo(42);
  }

  @Test
  @DisplayName("modify_node refuses an out-of-range value and a value not in the list, with the closest values")
  void modifyNodeRefusesBadValues() {
    h.saveDefaultWorkflow();

    ToolResult steps = h.call("modify_node", new JsonObject().put("node_id", "3")
        .put("inputs", new JsonObject().put("steps", 0)));
    ToolResult ckpt = h.call("modify_node", new JsonObject().put("node_id", "4")
        .put("inputs", new JsonObject().put("ckpt_name", "sd_xl_base_1.0")));

    assertThat(steps.isError()).isTrue();
    assertThat(json(steps).getString("error")).contains("Value 0 smaller than min of 1");
    assertThat(ckpt.isError()).isTrue();
    assertThat(json(ckpt).getJsonArray("suggestions").getJsonObject(0).getString("fix"))
        .contains("'sd_xl_base_1.0.safetensors'");
    assertThat(h.store.count(SESSION)).isEqualTo(1);
  }

  @Test
  @DisplayName("modify_node refuses an unknown input name and lists the node's inputs")
  void modifyNodeRefusesUnknownInput() {
    h.saveDefaultWorkflow();

    ToolResult result = h.call("modify_node", new JsonObject().put("node_id", "3")
        .put("inputs", new JsonObject().put("step", 25)));

    assertThat(result.isError()).isTrue();
    assertThat(json(result).getString("error")).contains("has no input 'step'");
    assertThat(json(result).getJsonArray("closest").getList()).contains("steps");
  }

  @Test
  @DisplayName("a seed of 18446744073709551615 is kept exactly through modify_node, the store and get_workflow")
  void bigSeedPreserved() {
    h.saveDefaultWorkflow();
    JsonObject args = new JsonObject("{\"node_id\": \"3\", \"inputs\": {\"seed\": 18446744073709551615}}");

    ToolResult modified = h.call("modify_node", args);
    ToolResult got = h.call("get_workflow", new JsonObject());

    assertThat(modified.isError()).as(text(modified)).isFalse();
    assertThat(text(got)).contains("\"seed\":18446744073709551615");
    Object seed = json(got).getJsonObject("workflow").getJsonObject("3").getJsonObject("inputs").getValue("seed");
    assertThat(seed).isEqualTo(new BigInteger("18446744073709551615"));
    ToolResult tooBig = h.call("modify_node", new JsonObject("{\"node_id\": \"3\", \"inputs\": {\"seed\": 18446744073709551616}}"));
    assertThat(tooBig.isError()).isTrue();
  }

  @Test
  @DisplayName("add_node adds a node with the next free id and lists its missing inputs; unknown classes are refused")
  void addNode() {
    h.saveDefaultWorkflow();

    JsonObject added = json(h.call("add_node", new JsonObject().put("class_type", "PreviewImage")));
    ToolResult unknown = h.call("add_node", new JsonObject().put("class_type", "PreviewImages"));

    assertThat(added.getString("node_id")).isEqualTo("10");
    assertThat(added.getJsonArray("missing_required_inputs").getList()).containsExactly("images:IMAGE");
    assertThat(h.currentWorkflow().getJsonObject("10").getJsonObject("_meta").getString("title"))
        .isEqualTo("Preview Image");
    assertThat(unknown.isError()).isTrue();
    assertThat(json(unknown).getJsonArray("closest_classes").getList()).contains("PreviewImage");
  }

  @Test
  @DisplayName("connect_nodes links a fitting output, by index or by name, and the workflow then validates")
  void connectNodes() {
    h.saveDefaultWorkflow();
    h.call("add_node", new JsonObject().put("class_type", "PreviewImage").put("node_id", "20"));

    JsonObject connected = json(h.call("connect_nodes", new JsonObject().put("from_node", "8").put("from_output", "IMAGE")
        .put("to_node", "20").put("to_input", "images")));

    assertThat(h.currentWorkflow().getJsonObject("20").getJsonObject("inputs").getJsonArray("images").getList())
        .containsExactly("8", 0);
    assertThat(connected.getJsonObject("validation").getBoolean("valid")).isTrue();
    assertThat(connected.getInteger("version")).isEqualTo(3);
  }

  @Test
  @DisplayName("connect_nodes refuses a type mismatch and names the outputs that would fit")
  void connectNodesTypeChecked() {
    h.saveDefaultWorkflow();

    ToolResult result = h.call("connect_nodes", new JsonObject().put("from_node", "4").put("from_output", 1)
        .put("to_node", "3").put("to_input", "model"));

    assertThat(result.isError()).isTrue();
    assertThat(json(result).getString("error")).contains("is CLIP").contains("needs MODEL");
    assertThat(json(result).getJsonArray("matching_outputs_of_4").getList()).containsExactly(0);
  }

  @Test
  @DisplayName("connect_nodes refuses a link that would create a cycle")
  void connectNodesRefusesCycles() {
    h.saveDefaultWorkflow();
    h.call("add_node", new JsonObject().put("class_type", "LatentUpscale").put("node_id", "10")
        .put("inputs", new JsonObject().put("samples", new JsonArray().add("3").add(0))));

    ToolResult result = h.call("connect_nodes", new JsonObject().put("from_node", "10").put("from_output", 0)
        .put("to_node", "3").put("to_input", "latent_image"));

    assertThat(result.isError()).isTrue();
    assertThat(json(result).getString("error")).contains("cycle");
  }

  @Test
  @DisplayName("remove_node disconnects and reports every link that pointed at the removed node")
  void removeNode() {
    h.saveDefaultWorkflow();

    JsonObject answer = json(h.call("remove_node", new JsonObject().put("node_id", "4")));

    assertThat(answer.getJsonArray("dangling_links").stream()
        .map(l -> ((JsonObject) l).getString("node_id") + "." + ((JsonObject) l).getString("input_name")))
        .containsExactlyInAnyOrder("3.model", "6.clip", "7.clip", "8.vae");
    assertThat(h.currentWorkflow().containsKey("4")).isFalse();
    assertThat(answer.getJsonObject("validation").getJsonArray("problems").stream()
        .map(p -> ((JsonObject) p).getString("type"))).containsOnly("required_input_missing");
  }

  @Test
  @DisplayName("validate_workflow checks the session's workflow, or one passed in")
  void validateWorkflow() {
    h.saveDefaultWorkflow();
    JsonObject broken = Fixtures.defaultWorkflow();
    broken.getJsonObject("3").getJsonObject("inputs").put("sampler_name", "euler_a");

    JsonObject session = json(h.call("validate_workflow", new JsonObject()));
    JsonObject passed = json(h.call("validate_workflow", new JsonObject().put("workflow", broken)));

    assertThat(session.getBoolean("valid")).isTrue();
    assertThat(passed.getBoolean("valid")).isFalse();
    assertThat(passed.getJsonObject("node_errors").getJsonObject("3").getJsonArray("errors").getJsonObject(0)
        .getString("details")).isEqualTo("sampler_name: 'euler_a' not in (list of length 42)");
  }

  @Test
  @DisplayName("edits sent in parallel are applied one after the other: none is lost")
  void parallelEditsAreSerialized() {
    h.saveDefaultWorkflow();
    RecordingToolContext ctx = h.context();

    Future<ToolResult> a = h.callAsync("modify_node", new JsonObject().put("node_id", "3")
        .put("inputs", new JsonObject().put("steps", 33)), ctx);
    Future<ToolResult> b = h.callAsync("modify_node", new JsonObject().put("node_id", "5")
        .put("inputs", new JsonObject().put("width", 768)), ctx);
    Future<ToolResult> c = h.callAsync("modify_node", new JsonObject().put("node_id", "6")
        .put("inputs", new JsonObject().put("text", "a red fox")), ctx);
    Await.result(Future.all(a, b, c));

    JsonObject wf = h.currentWorkflow();
    assertThat(wf.getJsonObject("3").getJsonObject("inputs").getInteger("steps")).isEqualTo(33);
    assertThat(wf.getJsonObject("5").getJsonObject("inputs").getInteger("width")).isEqualTo(768);
    assertThat(wf.getJsonObject("6").getJsonObject("inputs").getString("text")).isEqualTo("a red fox");
    assertThat(h.store.count(SESSION)).isEqualTo(4);
  }

  @Test
  @DisplayName("workflow tools called outside a session answer an error instead of throwing")
  void noSession() {
    ToolResult result = h.call("get_workflow", new JsonObject(), new RecordingToolContext(null, null));

    assertThat(result.isError()).isTrue();
    assertThat(json(result).getString("error")).contains("not part of a chat session");
  }
}
