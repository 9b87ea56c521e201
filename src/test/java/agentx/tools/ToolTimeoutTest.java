package agentx.tools;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.protocol.ToolCall;
import agentx.protocol.ToolResult;
import agentx.protocol.ToolsClient;
import agentx.testing.FakeComfyUi;
import agentx.testing.Fixtures;
import agentx.testing.TestRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The runtime's tool timeout ({@code AGENTX_TOOL_TIMEOUT}) against a tool that waits: run_workflow. */
@ExtendWith(VertxExtension.class)
@DisplayName("AGENTX_TOOL_TIMEOUT and a ComfyUI run that outlasts it")
class ToolTimeoutTest {
  @TempDir Path dir;

  @Test
  @DisplayName("run_workflow with a timeout_s beyond the tool timeout answers still_running before it, and the run is not interrupted")
  void runWorkflowAnswersBeforeTheToolTimeout(Vertx vertx) {
    FakeComfyUi comfy = new FakeComfyUi(vertx).wsMessageDelay(Duration.ofMillis(1)).start().await();
    comfy.holdRuns(true);
    try {
      TestRuntime.start(vertx, TestRuntime.config(dir, Map.of(AgentXConfig.COMFYUI_URL, comfy.baseUrl(),
          AgentXConfig.TOOL_TIMEOUT, 8))).await();
      long started = System.nanoTime();
      ToolResult result = new ToolsClient(vertx).call(new ToolCall("run_workflow", new JsonObject().put("timeout_s", 60)
          .put("workflow", Fixtures.defaultWorkflow()), null, null, "call-1", null), 30_000).await();
      long ms = (System.nanoTime() - started) / 1_000_000;

      JsonObject report = new JsonObject(result.content().getJsonObject(0).getString("text"));
      assertThat(result.isError()).as(report.encode()).isFalse();
      assertThat(report.getString("status")).isEqualTo("still_running");
      assertThat(ms).as("answered before the 8 s tool timeout").isLessThan(8_000);
      assertThat(comfy.count("POST /interrupt")).as("the run goes on").isZero();
      assertThat(comfy.runningPromptId()).isEqualTo(report.getString("prompt_id"));
    } finally {
      comfy.stop().await();
    }
  }
}
