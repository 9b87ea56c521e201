package agentx.api.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import agentx.config.AgentXConfig;
import agentx.testing.FakeComfyUi;
import agentx.testing.TestRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * The MCP Inspector's CLI (the tool people use to poke an MCP server) against the running server's
 * {@code /mcp}, with the real tools verticle talking to the fake ComfyUI.
 *
 * <p>Optional, also in CI: the Inspector (2.x) declares Node.js 22.19+ and its web UI's dependency
 * tree does not survive {@code npm ci} from a lock file here, so it is not in package.json. To run
 * this test: {@code (cd src/test/node && npm install --no-save --ignore-scripts
 * @modelcontextprotocol/inspector@2.12.0)}. The official TypeScript and Java SDK clients cover
 * /mcp in every run (McpNodeClientTest, McpHttpHandlerSdkTest).
 */
@Tag("node")
@ExtendWith(VertxExtension.class)
@DisplayName("/mcp driven by the MCP Inspector CLI")
class McpInspectorCliTest {
  private static final Path NODE_DIR = Path.of("src", "test", "node").toAbsolutePath();
  private static final Path LAUNCHER = NODE_DIR.resolve("node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js");
  @TempDir Path dir;
  FakeComfyUi comfy;

  @AfterEach
  void stop() {
    if (comfy != null) {
      comfy.stop();
    }
  }

  @Test
  @DisplayName("the Inspector CLI lists every ComfyUI tool and calls search_nodes and validate_workflow")
  void inspectorCli(Vertx vertx) throws Exception {
    assumeTrue(Files.isRegularFile(LAUNCHER),
        "the MCP Inspector is not installed: (cd src/test/node && npm install --no-save --ignore-scripts @modelcontextprotocol/inspector@2.12.0)");
    comfy = new FakeComfyUi(vertx).start().await();
    TestRuntime rt = TestRuntime.start(vertx, TestRuntime.config(dir, Map.of(
        AgentXConfig.COMFYUI_URL, comfy.baseUrl(),
        AgentXConfig.ROLES, "api,store,tools"))).await();
    String url = "http://127.0.0.1:" + rt.port() + "/mcp";

    JsonObject listed = new JsonObject(inspector(url, "--method", "tools/list"));
    assertThat(listed.getJsonArray("tools").stream().map(t -> ((JsonObject) t).getString("name")))
        .contains("search_nodes", "get_node_info", "list_models", "validate_workflow", "run_workflow", "get_output_images");

    JsonObject found = new JsonObject(inspector(url, "--method", "tools/call", "--tool-name", "search_nodes", "--tool-arg", "query=KSampler"));
    assertThat(found.getBoolean("isError", false)).isFalse();
    assertThat(found.getJsonArray("content").getJsonObject(0).getString("text")).contains("KSampler");

    JsonObject invalid = new JsonObject(inspector(url, "--method", "tools/call", "--tool-name", "validate_workflow",
        "--tool-arg", "workflow={\"1\":{\"class_type\":\"NoSuchNode\",\"inputs\":{}}}"));
    assertThat(invalid.getJsonArray("content").getJsonObject(0).getString("text")).contains("NoSuchNode");
  }

  /** Runs the CLI and answers the JSON it prints (the CLI exits non-zero for isError results, so the status is not checked). */
  private String inspector(String url, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("node", LAUNCHER.toString(), "--cli", url, "--transport", "http"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().put("MCP_CATALOG_PATH", dir.resolve("inspector-catalog.json").toString());
    builder.environment().put("HOME", dir.toString());
    Process node = builder.start();
    node.getOutputStream().close();
    String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(node.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
    int start = output.indexOf('{');
    assertThat(start).as("the CLI printed no JSON:\n" + output).isGreaterThanOrEqualTo(0);
    int end = output.indexOf("\n}", start);
    return end < 0 ? output.substring(start) : output.substring(start, end + 2);
  }

}
