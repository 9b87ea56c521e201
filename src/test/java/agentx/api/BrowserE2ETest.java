package agentx.api;

import static agentx.testing.Prerequisites.nodeAvailable;
import static agentx.testing.Prerequisites.require;
import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
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
import java.util.Base64;
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
 * Runs src/test/node/browser-e2e.mjs (playwright-core driving headless Chromium) against the real
 * server with a fake Claude: the official event-bus bridge client, and the chat page at {@code /}
 * (send, Stop, reload mid-turn, approving and denying a tool call, attaching an image). Skipped when Chromium or {@code npm ci} in src/test/node is
 * missing — except with {@code CI=true}, where a missing piece fails the build instead.
 */
@Tag("node")
@ExtendWith(VertxExtension.class)
@DisplayName("the chat page and the bridge client in a real browser")
class BrowserE2ETest {
  private static final Path NODE_DIR = Path.of("src", "test", "node").toAbsolutePath();
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path SCREENSHOT = Path.of("target", "browser-e2e.png").toAbsolutePath();
  private static final Path LOG = Path.of("target", "browser-e2e.log").toAbsolutePath();
  /** The chat page with a pending approval card (docs/approval.png is a copy). */
  private static final Path APPROVAL_SCREENSHOT = Path.of("target", "approval.png").toAbsolutePath();

  static final String ANSWER_BRIDGE = "Hello from the bridge client.";
  static final String ANSWER_CHAT = "Hello from the chat page.";
  static final String ANSWER_STOP = "This answer is slow and will be stopped before it ends.";
  static final String ANSWER_RELOAD = "This slow answer survives a reload of the page intact.";
  static final String ANSWER_TOKEN = "Hello, holder of the token.";
  static final String ANSWER_TOOLS = "The workflow ran and produced one image; the unknown tool failed as expected.";
  static final String ANSWER_APPROVED = "The queue is empty.";
  static final String ANSWER_DENIED = "Understood, I will not run it now.";
  static final String ANSWER_ELSEWHERE = "Someone else declined; fine.";
  static final String ANSWER_IMAGE = "A single dot on a white background.";
  static final String DENY_REASON = "not on the shared GPU right now";
  static final String API_TOKEN = "browser-e2e-token";

  @TempDir Path dir;
  @TempDir Path tokenDir;
  FakeAnthropic claude;
  FakeComfyUi comfy;
  /** A second, separate Vert.x for the server with an API token (its bus addresses must not mix with the first). */
  Vertx tokenVertx;

  @AfterEach
  void stopFakeAndSecondServer() {
    if (claude != null) {
      claude.close();
    }
    if (comfy != null) {
      comfy.stop();
    }
    if (tokenVertx != null) {
      tokenVertx.close().await();
    }
  }


  @Test
  @DisplayName("bridge client turn; chat page send, Stop, reload mid-turn without losing or duplicating tokens, API token prompt and a run's output image fetched with it, tool calls with ComfyUI progress, approve / deny / answered elsewhere / stop a tool call that needs approval, attach an image")
  void browser(Vertx vertx) throws Exception {
    require(Files.isExecutable(CHROMIUM), "no Chromium at " + CHROMIUM + " (apt-get install chromium)");
    require(Files.isDirectory(NODE_DIR.resolve("node_modules/playwright-core"))
        && Files.isDirectory(NODE_DIR.resolve("node_modules/sockjs-client"))
        && Files.isDirectory(NODE_DIR.resolve("node_modules/@vertx/eventbus-bridge-client.js")),
        "no playwright-core / sockjs-client / bridge client in src/test/node/node_modules (run `npm ci` there)");
    require(nodeAvailable(), "node is not installed");

    claude = FakeAnthropic.start(vertx).await();
    // served in this order, one per scenario
    claude.enqueue(Reply.text(ANSWER_BRIDGE))
        .enqueue(Reply.text(ANSWER_CHAT))
        .enqueue(Reply.text(ANSWER_STOP).delayPerEvent(Duration.ofMillis(250)))
        .enqueue(Reply.text(ANSWER_RELOAD).delayPerEvent(Duration.ofMillis(250)))
        // the token scenario: run_workflow, whose output image the page must fetch with the token
        .enqueue(Reply.toolUse("Running it.", List.of(new ToolUseSpec("toolu_token_run", "run_workflow", new JsonObject().put("wait", true)))))
        .enqueue(Reply.text(ANSWER_TOKEN))
        // the tool scenario: run_workflow against the fake ComfyUI (slow enough to watch its progress) and an unknown tool
        .enqueue(Reply.toolUse("Let me run it.", List.of(
            new ToolUseSpec("toolu_run", "run_workflow", new JsonObject().put("wait", true)),
            new ToolUseSpec("toolu_bad", "no_such_tool", new JsonObject().put("why", "to see an error")))))
        .enqueue(Reply.text(ANSWER_TOOLS))
        // approvals: approve (after a reload), deny with a reason, denied by another client, stopped while waiting
        .enqueue(Reply.toolUse("Let me look at the queue.", List.of(new ToolUseSpec("toolu_approve", "get_queue", new JsonObject()))))
        .enqueue(Reply.text(ANSWER_APPROVED))
        .enqueue(Reply.toolUse("I will run it.", List.of(new ToolUseSpec("toolu_deny", "run_workflow", new JsonObject().put("wait", true)))))
        .enqueue(Reply.text(ANSWER_DENIED))
        .enqueue(Reply.toolUse("Checking.", List.of(new ToolUseSpec("toolu_elsewhere", "get_queue", new JsonObject()))))
        .enqueue(Reply.text(ANSWER_ELSEWHERE))
        .enqueue(Reply.toolUse("Checking.", List.of(new ToolUseSpec("toolu_stop", "get_queue", new JsonObject()))))
        .enqueue(Reply.text(ANSWER_IMAGE));
    String png = TestImages.pngBase64(4, 4);
    comfy = new FakeComfyUi(vertx).wsMessageDelay(Duration.ofMillis(100)).start().await();
    TestRuntime rt = TestRuntime.start(vertx, TestRuntime.config(dir, Map.of(
        AgentXConfig.ANTHROPIC_API_KEY, "sk-ant-test-key",
        AgentXConfig.ANTHROPIC_BASE_URL, claude.baseUrl(),
        AgentXConfig.COMFYUI_URL, comfy.baseUrl(),
        AgentXConfig.ROLES, "api,engine,store,tools"))).await();
    tokenVertx = Vertx.vertx();
    TestRuntime withToken = TestRuntime.start(tokenVertx, TestRuntime.config(tokenDir, Map.of(
        AgentXConfig.ANTHROPIC_API_KEY, "sk-ant-test-key",
        AgentXConfig.ANTHROPIC_BASE_URL, claude.baseUrl(),
        AgentXConfig.API_TOKEN, API_TOKEN,
        AgentXConfig.COMFYUI_URL, comfy.baseUrl(),
        AgentXConfig.ROLES, "api,engine,store,tools"))).await();
    String bridgeSession = rt.createSession(new JsonObject().put("title", "bridge")).await().getString("session_id");

    Files.createDirectories(SCREENSHOT.getParent());
    Files.deleteIfExists(SCREENSHOT);
    Files.deleteIfExists(APPROVAL_SCREENSHOT);
    ProcessBuilder builder = new ProcessBuilder("node", "browser-e2e.mjs")
        .directory(NODE_DIR.toFile())
        .redirectErrorStream(true)
        .redirectOutput(LOG.toFile());
    Map<String, String> env = builder.environment();
    env.put("BASE_URL", "http://127.0.0.1:" + rt.port());
    env.put("BRIDGE_SESSION_ID", bridgeSession);
    env.put("ANSWER_BRIDGE", ANSWER_BRIDGE);
    env.put("ANSWER_CHAT", ANSWER_CHAT);
    env.put("ANSWER_STOP", ANSWER_STOP);
    env.put("ANSWER_RELOAD", ANSWER_RELOAD);
    env.put("TOKEN_BASE_URL", "http://127.0.0.1:" + withToken.port());
    env.put("API_TOKEN", API_TOKEN);
    env.put("ANSWER_TOKEN", ANSWER_TOKEN);
    env.put("ANSWER_TOOLS", ANSWER_TOOLS);
    env.put("WORKFLOW_JSON", Files.readString(Path.of("src/test/resources/comfyui/default_workflow_api.json")));
    env.put("ANSWER_APPROVED", ANSWER_APPROVED);
    env.put("ANSWER_DENIED", ANSWER_DENIED);
    env.put("ANSWER_ELSEWHERE", ANSWER_ELSEWHERE);
    env.put("DENY_REASON", DENY_REASON);
    env.put("ANSWER_IMAGE", ANSWER_IMAGE);
    env.put("IMAGE_BASE64", png);
    env.put("SCREENSHOT", SCREENSHOT.toString());
    env.put("APPROVAL_SCREENSHOT", APPROVAL_SCREENSHOT.toString());
    env.put("CHROMIUM", CHROMIUM.toString());
    Process node = builder.start();
    node.getOutputStream().close();
    boolean finished = node.waitFor(90, TimeUnit.SECONDS);
    if (!finished) {
      node.destroyForcibly();
    }
    String output = Files.readString(LOG, StandardCharsets.UTF_8);
    System.out.println(output);

    assertThat(finished).as("browser-e2e.mjs finished within 90 s:\n" + output).isTrue();
    assertThat(node.exitValue()).as(output).isZero();
    assertThat(output).contains("13 scenarios passed").contains("screenshot: " + SCREENSHOT);
    assertThat(SCREENSHOT).isNotEmptyFile();
    assertThat(APPROVAL_SCREENSHOT).isNotEmptyFile();
    System.out.println("Browser screenshots: " + SCREENSHOT + ", " + APPROVAL_SCREENSHOT);
    assertThat(claude.requestCount()).as("one Claude call per text scenario, two per tool turn, one for the stopped approval, "
        + "one for the image (the refused files and the 413 sent nothing)").isEqualTo(16);
    assertThat(TestImages.imagesSentToClaude(claude)).as("the attached PNG went to Claude as a base64 image block").containsExactly(png);
    assertThat(comfy.count("POST /upload/image")).as("the attached PNG was uploaded into ComfyUI's input folder").isEqualTo(1);
    assertThat(comfy.inputFiles().values()).anySatisfy(bytes -> assertThat(bytes.getBytes()).isEqualTo(Base64.getDecoder().decode(png)));
    assertThat(comfy.count("GET /queue")).as("get_queue ran once: approved; denied and stopped calls never ran").isEqualTo(1);
    JsonObject denied = toolResult("toolu_deny");
    assertThat(denied.getBoolean("is_error")).as(denied.encode()).isTrue();
    assertThat(denied.encode()).contains("declined").contains(DENY_REASON);
    assertThat(toolResult("toolu_approve").getBoolean("is_error", false)).isFalse();
  }

  /** The tool_result block Claude was sent for {@code callId}. */
  private JsonObject toolResult(String callId) {
    return claude.requests().stream()
        .flatMap(r -> r.body().getJsonArray("messages").stream().map(m -> (JsonObject) m))
        .filter(m -> m.getValue("content") instanceof JsonArray)
        .flatMap(m -> m.getJsonArray("content").stream().map(b -> (JsonObject) b))
        .filter(b -> "tool_result".equals(b.getString("type")) && callId.equals(b.getString("tool_use_id")))
        .findFirst().orElseThrow(() -> new AssertionError("Claude was never sent a tool_result for " + callId));
  }

}
