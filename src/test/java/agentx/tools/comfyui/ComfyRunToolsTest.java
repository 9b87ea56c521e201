package agentx.tools.comfyui;

import static agentx.testing.ComfyToolsHarness.json;
import static agentx.testing.ComfyToolsHarness.text;
import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.Await;
import agentx.testing.ComfyToolsHarness;
import agentx.testing.FakeComfyUi;
import agentx.testing.Fixtures;
import agentx.testing.RecordingToolContext;
import agentx.protocol.ToolResult;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Base64;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("ComfyUI tools: running workflows and their outputs")
class ComfyRunToolsTest {
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
  @DisplayName("run_workflow with wait follows /ws: progress 1..20 of node 3 reported, success with the output file")
  void runAndWait() {
    h.saveDefaultWorkflow();
    RecordingToolContext ctx = h.context();

    ToolResult result = h.call("run_workflow", new JsonObject().put("wait", true), ctx);

    assertThat(result.isError()).as(text(result)).isFalse();
    JsonObject report = json(result);
    assertThat(report.getString("status")).isEqualTo("success");
    assertThat(report.getJsonArray("outputs").getJsonObject(0).getString("filename")).matches("ComfyUI_\\d{5}_\\.png");
    assertThat(report.getJsonArray("outputs").getJsonObject(0).getString("type")).isEqualTo("output");
    assertThat(ctx.progressReports().stream().map(p -> p.getInteger("value")).collect(Collectors.toList()))
        .isEqualTo(IntStream.rangeClosed(1, 20).boxed().collect(Collectors.toList()));
    assertThat(ctx.progressReports()).allMatch(p -> p.getInteger("max") == 20 && "3".equals(p.getString("node")));
    JsonObject body = h.fake.promptBodies().get(0);
    assertThat(body.getString("client_id")).startsWith("agentx-");
    assertThat(report.getString("prompt_id")).isNotBlank();
  }

  @Test
  @DisplayName("an execution error names the failing node, its class, the exception and the traceback tail")
  void executionErrorDiagnosis() {
    h.saveDefaultWorkflow();
    h.fake.nextRunOutcome(FakeComfyUi.Outcome.EXECUTION_ERROR);

    ToolResult result = h.call("run_workflow", new JsonObject());

    assertThat(result.isError()).isTrue();
    JsonObject body = json(result);
    assertThat(body.getString("error")).isEqualTo("ComfyUI ran the workflow but node 4 (CheckpointLoaderSimple)"
        + " failed with ValueError: Error while deserializing header: HeaderTooLarge");
    JsonObject error = body.getJsonObject("failure");
    assertThat(error.getString("node_id")).isEqualTo("4");
    assertThat(error.getString("class_type")).isEqualTo("CheckpointLoaderSimple");
    assertThat(error.getString("exception_type")).isEqualTo("ValueError");
    assertThat(error.getString("exception_message")).contains("The safetensors file is corrupt or invalid");
    assertThat(error.getJsonArray("traceback_tail")).isNotEmpty();
    assertThat(error.getString("hint")).contains("corrupt or incomplete");
    assertThat(body.getString("status")).isEqualTo("error");
  }

  @Test
  @DisplayName("run_workflow validates first: an invalid workflow is refused with the errors and never queued")
  void refusesInvalidWorkflow() {
    JsonObject wf = h.saveDefaultWorkflow();
    wf.getJsonObject("4").getJsonObject("inputs").put("ckpt_name", "sd15.safetensors");
    Await.result(h.store.save(ComfyToolsHarness.SESSION, wf, "broken"));

    ToolResult result = h.call("run_workflow", new JsonObject());

    assertThat(result.isError()).isTrue();
    assertThat(json(result).getString("error")).contains("not queued").contains("1 validation problem");
    assertThat(json(result).getJsonArray("problems").getJsonObject(0).getString("type")).isEqualTo("value_not_in_list");
    assertThat(h.fake.count("POST /prompt")).isZero();
  }

  @Test
  @DisplayName("when ComfyUI still rejects the prompt, its 400 error and node_errors come back")
  void comfyUiRejection() {
    h.saveDefaultWorkflow();
    h.fake.failNextPromptWith(400, Fixtures.json("prompt_validation_error_400.json"));

    ToolResult result = h.call("run_workflow", new JsonObject());

    assertThat(result.isError()).isTrue();
    assertThat(json(result).getString("error")).contains("rejected the workflow");
    assertThat(json(result).getJsonObject("comfyui_answer").getJsonObject("node_errors").fieldNames())
        .containsExactlyInAnyOrder("3", "4");
  }

  @Test
  @DisplayName("wait=false answers the queued prompt id; get_execution_status follows it to success")
  void queueWithoutWaitingThenPoll() throws InterruptedException {
    h.saveDefaultWorkflow();

    JsonObject queued = json(h.call("run_workflow", new JsonObject().put("wait", false)));
    String promptId = queued.getString("prompt_id");
    JsonObject status = json(h.call("get_execution_status", new JsonObject().put("prompt_id", promptId)));
    long deadline = System.currentTimeMillis() + 10_000;
    while (!"success".equals(status.getString("status")) && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      status = json(h.call("get_execution_status", new JsonObject().put("prompt_id", promptId)));
    }

    assertThat(queued.getString("status")).isEqualTo("queued");
    assertThat(status.getString("status")).isEqualTo("success");
    assertThat(status.getJsonArray("outputs")).hasSize(1);
  }

  @Test
  @DisplayName("get_queue and get_execution_status show the running and the pending prompt with its position")
  void queueAndStatus() {
    h.saveDefaultWorkflow();
    h.fake.holdRuns(true);
    String first = json(h.call("run_workflow", new JsonObject().put("wait", false))).getString("prompt_id");
    String second = json(h.call("run_workflow", new JsonObject().put("wait", false))).getString("prompt_id");
    awaitRunning(first);

    JsonObject queue = json(h.call("get_queue", new JsonObject()));
    JsonObject running = json(h.call("get_execution_status", new JsonObject().put("prompt_id", first)));
    JsonObject pending = json(h.call("get_execution_status", new JsonObject().put("prompt_id", second)));
    ToolResult unknown = h.call("get_execution_status", new JsonObject().put("prompt_id", "nope"));

    assertThat(queue.getInteger("running_count")).isEqualTo(1);
    assertThat(queue.getJsonArray("pending").getJsonObject(0).getString("prompt_id")).isEqualTo(second);
    assertThat(queue.getJsonArray("pending").getJsonObject(0).getInteger("node_count")).isEqualTo(7);
    assertThat(running.getString("status")).isEqualTo("running");
    assertThat(pending.getString("status")).isEqualTo("pending");
    assertThat(pending.getInteger("queue_position")).isEqualTo(1);
    assertThat(unknown.isError()).isTrue();
  }

  @Test
  @DisplayName("cancel_execution removes a pending prompt from the queue and interrupts the running one")
  void cancelExecution() {
    h.saveDefaultWorkflow();
    h.fake.holdRuns(true);
    String first = json(h.call("run_workflow", new JsonObject().put("wait", false))).getString("prompt_id");
    String second = json(h.call("run_workflow", new JsonObject().put("wait", false))).getString("prompt_id");
    awaitRunning(first);

    JsonObject removed = json(h.call("cancel_execution", new JsonObject().put("prompt_id", second)));
    JsonObject interrupted = json(h.call("cancel_execution", new JsonObject().put("prompt_id", first)));
    ToolResult nothing = h.call("cancel_execution", new JsonObject().put("prompt_id", first));
    JsonObject status = json(h.call("get_execution_status", new JsonObject().put("prompt_id", first)));

    assertThat(removed.getString("action")).isEqualTo("removed_from_queue");
    assertThat(h.fake.pendingPromptIds()).doesNotContain(second);
    assertThat(interrupted.getString("action")).isEqualTo("interrupted");
    assertThat(status.getString("status")).isEqualTo("interrupted");
    assertThat(nothing.isError()).isTrue();
  }

  @Test
  @DisplayName("cancelling the tool call while it waits interrupts the run in ComfyUI")
  void cancelWhileWaiting() {
    h.saveDefaultWorkflow();
    h.fake.holdRuns(true);
    RecordingToolContext ctx = h.context();
    ctx.onProgress(p -> ctx.cancel());

    ToolResult result = h.call("run_workflow", new JsonObject(), ctx);

    assertThat(result.isError()).isTrue();
    assertThat(json(result).getString("status")).isEqualTo("cancelled");
    assertThat(h.fake.count("POST /interrupt")).isEqualTo(1);
    assertThat(h.fake.runningPromptId()).isNull();
  }

  @Test
  @DisplayName("ComfyUI going down mid-run ends the wait at once with an error naming ComfyUI")
  void comfyUiDiesWhileWaiting() {
    h.saveDefaultWorkflow();
    h.fake.holdRuns(true);
    RecordingToolContext ctx = h.context();
    ctx.onProgress(p -> h.fake.stop());
    long started = System.nanoTime();

    ToolResult result = h.call("run_workflow", new JsonObject().put("timeout_s", 60), ctx);

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    assertThat(result.isError()).isTrue();
    assertThat(json(result).getString("error")).startsWith("Lost contact with ComfyUI")
        .contains("ComfyUI at " + h.fake.baseUrl() + " is not reachable");
  }

  @Test
  @DisplayName("a workflow argument that is a JSON string or a list is refused, not replaced by the session's workflow")
  void workflowNotAnObject() {
    h.saveDefaultWorkflow();
    for (Object bad : new Object[] {Fixtures.defaultWorkflow().encode(), new io.vertx.core.json.JsonArray()}) {
      ToolResult result = h.call("run_workflow", new JsonObject().put("workflow", bad).put("wait", false));
      assertThat(result.isError()).isTrue();
      assertThat(text(result)).contains("workflow must be a JSON object");
    }
    assertThat(h.fake.count("POST /prompt")).as("nothing was queued").isZero();
  }

  @Test
  @DisplayName("waiting ends at timeout_s with status still_running; the run goes on")
  void waitTimeout() {
    h.saveDefaultWorkflow();
    h.fake.holdRuns(true);
    long started = System.nanoTime();

    JsonObject report = json(h.call("run_workflow", new JsonObject().put("timeout_s", 1)));

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
    assertThat(report.getString("status")).isEqualTo("still_running");
    assertThat(h.fake.runningPromptId()).isEqualTo(report.getString("prompt_id"));
  }

  @Test
  @DisplayName("get_output_images returns a text listing and the PNG as an image block")
  void outputImages() throws IOException {
    h.saveDefaultWorkflow();
    String promptId = json(h.call("run_workflow", new JsonObject())).getString("prompt_id");

    ToolResult result = h.call("get_output_images", new JsonObject().put("prompt_id", promptId));

    assertThat(result.isError()).isFalse();
    assertThat(result.content()).hasSize(2);
    assertThat(text(result)).contains("Images of prompt " + promptId).contains("64x48");
    JsonObject image = result.content().getJsonObject(1);
    assertThat(image.getString("type")).isEqualTo("image");
    assertThat(image.getString("mimeType")).isEqualTo("image/png");
    BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(image.getString("data"))));
    assertThat(decoded.getWidth()).isEqualTo(64);
  }

  @Test
  @DisplayName("get_output_images scales a 2000x1000 image down to 1568 px on the long side")
  void outputImagesAreDownscaled() throws IOException {
    h.saveDefaultWorkflow();
    h.fake.outputImageSize(2000, 1000);
    String promptId = json(h.call("run_workflow", new JsonObject())).getString("prompt_id");

    ToolResult result = h.call("get_output_images", new JsonObject().put("prompt_id", promptId));

    JsonObject image = result.content().getJsonObject(1);
    BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(image.getString("data"))));
    assertThat(decoded.getWidth()).isEqualTo(1568);
    assertThat(decoded.getHeight()).isEqualTo(784);
    assertThat(text(result)).contains("scaled down");
  }

  @Test
  @DisplayName("get_output_images for an unknown or unfinished prompt is an error result")
  void outputImagesOfUnknownPrompt() {
    ToolResult result = h.call("get_output_images", new JsonObject().put("prompt_id", "nope"));

    assertThat(result.isError()).isTrue();
    assertThat(json(result).getString("error")).contains("no finished run");
  }

  @Test
  @DisplayName("upload_image stores the file in ComfyUI's input folder and answers the name to use")
  void uploadImage() {
    String data = Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});

    JsonObject first = json(h.call("upload_image", new JsonObject().put("filename", "cat.png").put("data_base64", data)));
    JsonObject second = json(h.call("upload_image", new JsonObject().put("filename", "cat.png")
        .put("data_base64", "data:image/png;base64," + Base64.getEncoder().encodeToString(new byte[] {9, 9}))));
    ToolResult bad = h.call("upload_image", new JsonObject().put("filename", "cat.png").put("data_base64", "***"));
    ToolResult path = h.call("upload_image", new JsonObject().put("filename", "../x.png").put("data_base64", data));

    assertThat(first.getString("use_as")).isEqualTo("cat.png");
    assertThat(second.getString("use_as")).isEqualTo("cat (1).png");
    assertThat(h.fake.inputFiles().get("cat.png").length()).isEqualTo(7);
    assertThat(bad.isError()).isTrue();
    assertThat(path.isError()).isTrue();
  }

  private void awaitRunning(String promptId) {
    long deadline = System.currentTimeMillis() + 5000;
    while (!promptId.equals(h.fake.runningPromptId()) && System.currentTimeMillis() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(h.fake.runningPromptId()).isEqualTo(promptId);
  }
}
