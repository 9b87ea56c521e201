package agentx.api.mcp;

import static agentx.testing.Prerequisites.nodeAvailable;
import static agentx.testing.Prerequisites.require;
import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.testing.FakeComfyUi;
import agentx.testing.TestRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every tool over {@code /mcp} for a client that is not in a chat session: the official TypeScript
 * SDK client (src/test/node/mcp-workspace.test.mjs) against the whole runtime with the real tools
 * service and the fake ComfyUI.
 */
@Tag("node")
@ExtendWith(VertxExtension.class)
@DisplayName("/mcp workspaces for clients outside a chat session")
class McpWorkspaceTest {
  private static final Path NODE_DIR = Path.of("src", "test", "node").toAbsolutePath();
  @TempDir Path dir;

  @Test
  @DisplayName("add_node, connect_nodes, validate_workflow, run_workflow and get_output_images work in the client's own persisted workspace")
  void workspaceTools(Vertx vertx) throws Exception {
    require(Files.isDirectory(NODE_DIR.resolve("node_modules/@modelcontextprotocol/sdk")), "run `npm ci` in src/test/node first");
    require(nodeAvailable(), "node is not installed");
    FakeComfyUi comfy = new FakeComfyUi(vertx).wsMessageDelay(Duration.ofMillis(1)).start().await();
    try {
      TestRuntime rt = TestRuntime.start(vertx, TestRuntime.config(dir, Map.of(AgentXConfig.COMFYUI_URL, comfy.baseUrl()))).await();
      ProcessBuilder builder = new ProcessBuilder("node", "--test", "--test-reporter=spec", "mcp-workspace.test.mjs")
          .directory(NODE_DIR.toFile())
          .redirectErrorStream(true);
      builder.environment().put("MCP_URL", "http://127.0.0.1:" + rt.port() + McpHttpHandler.PATH);
      try (InputStream in = McpWorkspaceTest.class.getClassLoader().getResourceAsStream("comfyui/default_workflow_api.json")) {
        builder.environment().put("DEFAULT_WORKFLOW_API", new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
      Process node = builder.start();
      node.getOutputStream().close();
      String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(node.waitFor(90, TimeUnit.SECONDS)).isTrue();
      System.out.println(output);
      assertThat(node.exitValue()).as(output).isZero();
      assertThat(output).contains("pass 2");

      // the workspaces are persisted sessions of their own, with the versions the edits made
      JsonObject sessions = rt.http.get("/api/agentx/sessions?user_id=mcp").send().await().bodyAsJsonObject();
      assertThat(sessions.getLong("total")).isEqualTo(2);
      assertThat(comfy.count("POST /prompt")).isEqualTo(2);
    } finally {
      comfy.stop();
    }
  }
}
