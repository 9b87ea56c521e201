package agentx.tools.comfyui;

import static agentx.testing.ComfyToolsHarness.json;
import static agentx.testing.ComfyToolsHarness.text;
import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.Await;
import agentx.testing.ComfyToolsHarness;
import agentx.protocol.ToolResult;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("ComfyUI tools when ComfyUI is down or slow")
class ComfyToolsFailureTest {
  /** Tools that work on the stored workflow alone: they do not need ComfyUI to answer. */
  private static final Set<String> OFFLINE = Set.of("get_workflow", "update_workflow");

  private ComfyToolsHarness h;

  @AfterEach
  void stop() {
    h.close();
  }

  @Test
  @DisplayName("ComfyUI down: every tool that needs it answers isError naming ComfyUI and its URL, within seconds")
  void comfyUiDown(Vertx vertx) {
    h = ComfyToolsHarness.start(vertx);
    h.saveDefaultWorkflow();
    Await.result(h.fake.stop());
    String expected = "ComfyUI at " + h.fake.baseUrl() + " is not reachable: connection refused";

    for (Map.Entry<String, JsonObject> call : minimalCalls().entrySet()) {
      long started = System.nanoTime();
      ToolResult result = h.call(call.getKey(), call.getValue());

      assertThat(Duration.ofNanos(System.nanoTime() - started)).as(call.getKey()).isLessThan(Duration.ofSeconds(5));
      assertThat(result.isError()).as(call.getKey() + ": " + text(result)).isTrue();
      assertThat(json(result).getString("error")).as(call.getKey()).isEqualTo(expected);
    }
  }

  @Test
  @DisplayName("every tool except the offline ones is covered by the ComfyUI-down test")
  void downTestCoversAllTools(Vertx vertx) {
    h = ComfyToolsHarness.start(vertx);
    Set<String> covered = new java.util.HashSet<>(minimalCalls().keySet());
    covered.addAll(OFFLINE);

    h.tools().forEach(t -> assertThat(covered).contains(t.spec().name()));
  }

  @Test
  @DisplayName("ComfyUI down: update_workflow still saves the user's workflow and says validation was skipped")
  void updateWorkflowWhileDown(Vertx vertx) {
    h = ComfyToolsHarness.start(vertx);
    Await.result(h.fake.stop());

    JsonObject answer = json(h.call("update_workflow", new JsonObject()
        .put("workflow", agentx.testing.Fixtures.defaultWorkflow())));

    assertThat(answer.getInteger("version")).isEqualTo(1);
    assertThat(answer.getJsonObject("validation").getString("skipped")).contains("not reachable");
  }

  @Test
  @DisplayName("slow ComfyUI: tools fail by the ComfyUI timeout with a sentence saying it did not answer")
  void slowComfyUi(Vertx vertx) {
    h = ComfyToolsHarness.start(vertx, Duration.ofMillis(800));
    h.saveDefaultWorkflow();
    h.fake.delayEveryAnswer(Duration.ofSeconds(10));

    for (String tool : new String[] {"search_nodes", "run_workflow", "get_queue"}) {
      long started = System.nanoTime();
      ToolResult result = h.call(tool, minimalCalls().get(tool));

      assertThat(Duration.ofNanos(System.nanoTime() - started)).as(tool).isLessThan(Duration.ofMillis(3000));
      assertThat(result.isError()).as(tool).isTrue();
      assertThat(json(result).getString("error")).as(tool)
          .startsWith("ComfyUI at " + h.fake.baseUrl() + " did not answer").contains("within 0.8 s");
    }
  }

  private static Map<String, JsonObject> minimalCalls() {
    Map<String, JsonObject> calls = new LinkedHashMap<>();
    calls.put("search_nodes", new JsonObject().put("query", "sampler"));
    calls.put("get_node_info", new JsonObject().put("node_types", new JsonArray().add("KSampler")));
    calls.put("list_models", new JsonObject());
    calls.put("get_system_stats", new JsonObject());
    calls.put("modify_node", new JsonObject().put("node_id", "3").put("inputs", new JsonObject().put("steps", 5)));
    calls.put("add_node", new JsonObject().put("class_type", "PreviewImage"));
    calls.put("remove_node", new JsonObject().put("node_id", "9"));
    calls.put("connect_nodes", new JsonObject().put("from_node", "8").put("from_output", 0).put("to_node", "9")
        .put("to_input", "images"));
    calls.put("validate_workflow", new JsonObject());
    calls.put("run_workflow", new JsonObject());
    calls.put("get_execution_status", new JsonObject().put("prompt_id", "p"));
    calls.put("get_queue", new JsonObject());
    calls.put("cancel_execution", new JsonObject());
    calls.put("get_output_images", new JsonObject().put("prompt_id", "p"));
    calls.put("upload_image", new JsonObject().put("filename", "a.png").put("data_base64", "iVBORw0KGgo="));
    calls.put("get_logs", new JsonObject());
    return calls;
  }
}
