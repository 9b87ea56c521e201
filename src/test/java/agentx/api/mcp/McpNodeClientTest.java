package agentx.api.mcp;

import static agentx.testing.Prerequisites.nodeAvailable;
import static agentx.testing.Prerequisites.require;
import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.InMemoryToolGateway;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs src/test/node/mcp-client.test.mjs (the official TypeScript SDK client) against a real
 * server. Skipped unless {@code node} is installed and {@code npm ci} ran in src/test/node.
 */
@Tag("node")
@ExtendWith(VertxExtension.class)
@DisplayName("/mcp driven by the official MCP TypeScript SDK client")
class McpNodeClientTest {
  private static final Path NODE_DIR = Path.of("src", "test", "node").toAbsolutePath();

  @Test
  @DisplayName("the TypeScript client initializes, pages, calls, gets progress, cancels and terminates")
  void typescriptClient(Vertx vertx) throws Exception {
    require(Files.isDirectory(NODE_DIR.resolve("node_modules/@modelcontextprotocol/sdk")),
        "run `npm ci` in src/test/node first");
    require(nodeAvailable(), "node is not installed");
    InMemoryToolGateway gateway = new InMemoryToolGateway(vertx);
    McpServerFixture fixture = McpServerFixture.start(vertx, gateway,
        new McpServerOptions().serverName("agentx-node-test").pageSize(1));

    ProcessBuilder builder = new ProcessBuilder("node", "--test", "--test-reporter=spec", "mcp-client.test.mjs")
        .directory(NODE_DIR.toFile())
        .redirectErrorStream(true);
    builder.environment().put("MCP_URL", fixture.baseUrl() + McpHttpHandler.PATH);
    Process node = builder.start();
    node.getOutputStream().close();
    String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();

    System.out.println(output);
    assertThat(node.exitValue()).as(output).isZero();
    assertThat(output).contains("pass 6");
    assertThat(gateway.cancelled).as("the aborted call reached the gateway as a cancel").hasSize(1);
    assertThat(gateway.slowFinished.get()).as("only the progress test's call ran to the end").isEqualTo(1);
  }
}
