package agentx.comfyui;

import static agentx.testing.Prerequisites.nodeAvailable;
import static agentx.testing.Prerequisites.require;
import static org.assertj.core.api.Assertions.assertThat;

import agentx.cli.ComfyUiExtensionInstaller;
import agentx.config.AgentXConfig;
import agentx.testing.ComfyFrontendStub;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.FakeAnthropic.ToolUseSpec;
import agentx.testing.FakeComfyUi;
import agentx.testing.TestImages;
import agentx.testing.TestRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The panel inside ComfyUI, in headless Chromium (src/test/node/comfyui-e2e.mjs): a ComfyUI folder
 * gets the extension from {@link ComfyUiExtensionInstaller} (what {@code install-comfyui} runs), the
 * fake ComfyUI serves it with a test frontend built on @comfyorg/litegraph ({@link ComfyFrontendStub}),
 * and the loader imports the panel from the real runtime, which talks to a scripted Claude (also
 * approving and denying a run_workflow that needs approval, over the bridge). Skipped
 * without Chromium or {@code npm ci} in src/test/node, except under {@code CI=true}.
 */
@Tag("node")
@ExtendWith(VertxExtension.class)
@DisplayName("the AgentX panel inside a ComfyUI page in a real browser")
class ComfyPanelBrowserTest {
  private static final Path NODE_DIR = Path.of("src", "test", "node").toAbsolutePath();
  private static final Path LITEGRAPH = NODE_DIR.resolve("node_modules/@comfyorg/litegraph/dist");
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path SCREENSHOT = Path.of("target", "comfyui-panel.png").toAbsolutePath();
  private static final Path LOG = Path.of("target", "comfyui-e2e.log").toAbsolutePath();
  private static final Path APPROVAL_SCREENSHOT = Path.of("target", "comfyui-approval.png").toAbsolutePath();

  static final String ANSWER_HELLO = "Your workflow **turns a prompt into an image** with one sampler.";
  static final String ANSWER_STOP = "This answer is slow and will be stopped before it ends.";
  static final String ANSWER_RELOAD = "This slow answer survives a reload of ComfyUI intact.";
  static final String ANSWER_ADDED = "I added a preview of the decoded image.";
  static final String ANSWER_ATTACHED = "One black dot in the middle of a white square.";
  static final String ANSWER_RAN = "The run finished and made one image.";
  static final String ANSWER_APPROVED = "Approved and done: one image.";
  static final String ANSWER_DENIED = "All right, I did not run it.";
  static final String DENY_REASON = "wait until the render farm is free";

  static final List<String> SCENARIOS = List.of("tab", "send", "canvas-apply", "stop", "reload", "add-node", "attach", "image", "approve", "deny",
      "older");

  @TempDir Path dir;
  @TempDir Path comfyDir;
  FakeAnthropic claude;
  FakeComfyUi comfy;

  @AfterEach
  void stopFakes() {
    if (claude != null) {
      claude.close();
    }
    if (comfy != null) {
      comfy.stop();
    }
  }

  @Test
  @DisplayName("tab, settings, send with the canvas as workflow, streamed markdown answer, agent edits on the canvas, Stop, reload mid-turn, add_node, attach an image, output image, approve and deny run_workflow")
  void panelInComfyUi(Vertx vertx) throws Exception {
    require(Files.isExecutable(CHROMIUM), "no Chromium at " + CHROMIUM + " (apt-get install chromium)");
    require(Files.isDirectory(NODE_DIR.resolve("node_modules/playwright-core")) && Files.isDirectory(LITEGRAPH),
        "no playwright-core / @comfyorg/litegraph in src/test/node/node_modules (run `npm ci` there)");
    require(nodeAvailable(), "node is not installed");

    claude = FakeAnthropic.start(vertx).await();
    claude.enqueue(Reply.text(ANSWER_HELLO).delayPerEvent(Duration.ofMillis(20)))
        .enqueue(Reply.text(ANSWER_STOP).delayPerEvent(Duration.ofMillis(250)))
        .enqueue(Reply.text(ANSWER_RELOAD).delayPerEvent(Duration.ofMillis(250)))
        .enqueue(Reply.toolUse("Adding a preview.", List.of(new ToolUseSpec("toolu_add", "add_node",
            new JsonObject().put("class_type", "PreviewImage").put("inputs", new JsonObject().put("images", new JsonArray().add("8").add(0)))))))
        .enqueue(Reply.text(ANSWER_ADDED))
        .enqueue(Reply.text(ANSWER_ATTACHED))
        .enqueue(Reply.toolUse("Running it.", List.of(new ToolUseSpec("toolu_run", "run_workflow", new JsonObject().put("wait", true)))))
        .enqueue(Reply.text(ANSWER_RAN))
        .enqueue(Reply.toolUse("I will run it when you approve.", List.of(new ToolUseSpec("toolu_run_ask", "run_workflow", new JsonObject().put("wait", true)))))
        .enqueue(Reply.text(ANSWER_APPROVED))
        .enqueue(Reply.toolUse("Running it again.", List.of(new ToolUseSpec("toolu_run_no", "run_workflow", new JsonObject().put("wait", true)))))
        .enqueue(Reply.text(ANSWER_DENIED));

    Files.writeString(comfyDir.resolve("main.py"), "# ComfyUI stand-in\n");
    Files.createDirectories(comfyDir.resolve("custom_nodes"));
    comfy = new FakeComfyUi(vertx)
        .withRoutes(router -> ComfyFrontendStub.mount(router, comfyDir.resolve("custom_nodes"), LITEGRAPH))
        .start().await();
    TestRuntime rt = TestRuntime.start(vertx, TestRuntime.config(dir, Map.of(
        AgentXConfig.ANTHROPIC_API_KEY, "sk-ant-test-key",
        AgentXConfig.ANTHROPIC_BASE_URL, claude.baseUrl(),
        AgentXConfig.COMFYUI_URL, comfy.baseUrl(),
        AgentXConfig.ROLES, "api,engine,store,tools"))).await();
    String runtimeUrl = "http://127.0.0.1:" + rt.port();
    ComfyUiExtensionInstaller.install(comfyDir, runtimeUrl);

    Files.createDirectories(SCREENSHOT.getParent());
    Files.deleteIfExists(SCREENSHOT);
    Files.deleteIfExists(APPROVAL_SCREENSHOT);
    ProcessBuilder builder = new ProcessBuilder("node", "comfyui-e2e.mjs")
        .directory(NODE_DIR.toFile()).redirectErrorStream(true).redirectOutput(LOG.toFile());
    Map<String, String> env = builder.environment();
    env.put("COMFY_URL", comfy.baseUrl());
    env.put("RUNTIME_URL", runtimeUrl);
    env.put("ANSWER_HELLO", ANSWER_HELLO);
    env.put("ANSWER_STOP", ANSWER_STOP);
    env.put("ANSWER_RELOAD", ANSWER_RELOAD);
    env.put("ANSWER_ADDED", ANSWER_ADDED);
    env.put("ANSWER_RAN", ANSWER_RAN);
    env.put("ANSWER_APPROVED", ANSWER_APPROVED);
    env.put("ANSWER_DENIED", ANSWER_DENIED);
    env.put("DENY_REASON", DENY_REASON);
    env.put("ANSWER_ATTACHED", ANSWER_ATTACHED);
    String png = TestImages.pngBase64(4, 4);
    env.put("IMAGE_BASE64", png);
    env.put("SCREENSHOT", SCREENSHOT.toString());
    env.put("APPROVAL_SCREENSHOT", APPROVAL_SCREENSHOT.toString());
    env.put("CHROMIUM", CHROMIUM.toString());
    List<String> running = SCENARIOS; // the script can run a subset (SCENARIOS=...) when a developer runs it by hand
    env.put("SCENARIOS", String.join(",", running));
    Process node = builder.start();
    node.getOutputStream().close();
    boolean finished = node.waitFor(100, TimeUnit.SECONDS);
    if (!finished) {
      node.destroyForcibly();
    }
    String output = Files.readString(LOG, StandardCharsets.UTF_8);
    System.out.println(output);

    assertThat(finished).as("comfyui-e2e.mjs finished within 100 s:\n" + output).isTrue();
    assertThat(node.exitValue()).as(output).isZero();
    assertThat(output).contains(running.size() + " scenarios passed, " + (SCENARIOS.size() - running.size()) + " skipped")
        .contains("screenshot: " + SCREENSHOT);
    assertThat(SCREENSHOT).isNotEmptyFile();
    assertThat(comfy.requests()).as("ComfyUI served the installed loader").contains("GET /extensions/agentx/agentx.js");
    int calls = (int) running.stream().mapToInt(name -> switch (name) {
      case "send", "stop", "reload", "attach" -> 1;
      case "add-node", "image", "approve", "deny" -> 2;
      default -> 0;
    }).sum();
    assertThat(claude.requestCount()).as("one Claude call per text turn, two per tool turn").isEqualTo(calls);
    long runs = running.stream().filter(name -> name.equals("image") || name.equals("approve")).count();
    assertThat(comfy.promptBodies()).as("run_workflow queued once per run: the approved one ran, the denied one never").hasSize((int) runs);
    if (running.contains("attach")) {
      assertThat(TestImages.imagesSentToClaude(claude)).as("the attached PNG went to Claude as a base64 image block").containsExactly(png);
      assertThat(comfy.count("POST /upload/image")).as("the attached PNG was uploaded into ComfyUI's input folder").isEqualTo(1);
    }
    if (running.contains("deny")) {
      JsonObject denied = claude.requests().stream()
          .flatMap(r -> r.body().getJsonArray("messages").stream().map(m -> (JsonObject) m))
          .filter(m -> m.getValue("content") instanceof JsonArray)
          .flatMap(m -> m.getJsonArray("content").stream().map(b -> (JsonObject) b))
          .filter(b -> "tool_result".equals(b.getString("type")) && "toolu_run_no".equals(b.getString("tool_use_id")))
          .findFirst().orElseThrow();
      assertThat(denied.getBoolean("is_error")).as(denied.encode()).isTrue();
      assertThat(denied.encode()).contains("declined").contains(DENY_REASON);
      assertThat(APPROVAL_SCREENSHOT).isNotEmptyFile();
    }
  }
}
