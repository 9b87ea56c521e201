package agentx.tools.mcp;

import static agentx.api.mcp.McpServerFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import agentx.api.mcp.McpServerFixture;
import agentx.api.mcp.McpServerOptions;
import agentx.testing.EchoMcpServer;
import agentx.testing.InMemoryToolGateway;
import agentx.testing.Poll;
import agentx.testing.RecordingToolContext;
import agentx.tools.Tool;
import agentx.protocol.ToolResult;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
@DisplayName("External MCP servers through the SDK client")
class ExternalMcpServersTest {
  @TempDir
  Path dir;

  private ExternalMcpServers servers;

  @AfterEach
  void close() throws Exception {
    if (servers != null) {
      await(servers.close());
    }
  }

  /** The test stdio server, launched as a separate JVM with our test classpath. */
  private JsonObject echoServer(String name, Path pidFile) {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    return new JsonObject()
        .put("name", name)
        .put("type", "stdio")
        .put("command", java)
        .put("args", new JsonArray().add("-XX:TieredStopAtLevel=1").add("-XX:+UseSerialGC")
            .add("-cp").add(System.getProperty("java.class.path")).add(EchoMcpServer.class.getName()))
        .put("env", new JsonObject().put("ECHO_PID_FILE", pidFile.toString()))
        .put("startup_timeout_s", 20)
        .put("timeout_s", 10);
  }

  private ExternalMcpServers load(Vertx vertx, JsonObject... entries) throws Exception {
    Path file = dir.resolve("mcp-servers.json");
    Files.writeString(file, new JsonObject().put("servers", new JsonArray(List.of((Object[]) entries))).encodePrettily());
    servers = ExternalMcpServers.load(vertx, file);
    return servers;
  }

  private static Map<String, JsonObject> statusByName(ExternalMcpServers servers) {
    return servers.status().stream().collect(Collectors.toMap(s -> s.getString("name"), Function.identity()));
  }

  private static Tool tool(ExternalMcpServers servers, String name) {
    return servers.tools().stream().filter(t -> t.spec().name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no tool " + name + " in " + servers.tools()));
  }

  private static String text(ToolResult result) {
    return result.content().getJsonObject(0).getString("text");
  }

  private static long pid(Path pidFile) throws Exception {
    Poll.until(Duration.ofSeconds(10), "the pid file", () -> Files.exists(pidFile) && Files.isReadable(pidFile));
    return Long.parseLong(Files.readString(pidFile).trim());
  }

  @Test
  @DisplayName("a stdio server's tools join as mcp__<server>__<tool> and work; a bad command fails alone")
  void stdioServerAndBadCommand(Vertx vertx) throws Exception {
    Path pidFile = dir.resolve("echo.pid");
    load(vertx, echoServer("echo", pidFile),
        new JsonObject().put("name", "ghost").put("type", "stdio").put("command", dir.resolve("no-such-binary").toString()));

    await(servers.start());

    Map<String, JsonObject> status = statusByName(servers);
    assertThat(status.get("echo").getString("status")).isEqualTo("running");
    assertThat(status.get("echo").getInteger("tool_count")).isEqualTo(3);
    assertThat(status.get("echo").getValue("error")).isNull();
    assertThat(status.get("ghost").getString("status")).isEqualTo("failed");
    assertThat(status.get("ghost").getString("error")).contains("no-such-binary");
    assertThat(servers.tools()).extracting(t -> t.spec().name())
        .containsExactly("mcp__echo__echo", "mcp__echo__pixel", "mcp__echo__boom");
    assertThat(tool(servers, "mcp__echo__echo").spec().server()).isEqualTo("echo");
    assertThat(tool(servers, "mcp__echo__echo").spec().description()).isEqualTo("Echoes text back");

    RecordingToolContext context = RecordingToolContext.forCall("call-1");
    ToolResult echoed = await(tool(servers, "mcp__echo__echo").call(new JsonObject().put("text", "hello"), context));
    assertThat(echoed.isError()).isFalse();
    assertThat(text(echoed)).isEqualTo("hello");
    Poll.until(Duration.ofSeconds(5), "the progress report", () -> !context.progressReports().isEmpty());
    assertThat(context.progressReports().get(0).getString("message")).isEqualTo("echoing");

    ToolResult pixel = await(tool(servers, "mcp__echo__pixel").call(new JsonObject(), RecordingToolContext.forCall("call-2")));
    assertThat(pixel.content().getJsonObject(0))
        .isEqualTo(ToolResult.image(EchoMcpServer.PIXEL_PNG, "image/png"));

    ToolResult boom = await(tool(servers, "mcp__echo__boom").call(new JsonObject(), RecordingToolContext.forCall("call-3")));
    assertThat(boom.isError()).isTrue();
    assertThat(text(boom)).isEqualTo("boom failed on purpose");
  }

  @Test
  @DisplayName("a killed server is reported failed and its tools answer isError")
  void killedServer(Vertx vertx) throws Exception {
    Path pidFile = dir.resolve("echo.pid");
    load(vertx, echoServer("echo", pidFile));
    await(servers.start());
    Tool echo = tool(servers, "mcp__echo__echo");

    ProcessHandle process = ProcessHandle.of(pid(pidFile)).orElseThrow();
    process.destroyForcibly();

    Poll.until(Duration.ofSeconds(10), "the server to be reported failed",
        () -> "failed".equals(servers.status().get(0).getString("status")));
    assertThat(servers.status().get(0).getString("error")).contains("exited");
    ToolResult result = await(echo.call(new JsonObject().put("text", "anyone?"), RecordingToolContext.forCall("call-1")));
    assertThat(result.isError()).isTrue();
    assertThat(text(result)).contains("echo is down");
  }

  @Test
  @DisplayName("close() stops the server process")
  void closeStopsProcess(Vertx vertx) throws Exception {
    Path pidFile = dir.resolve("echo.pid");
    load(vertx, echoServer("echo", pidFile));
    await(servers.start());
    ProcessHandle process = ProcessHandle.of(pid(pidFile)).orElseThrow();
    assertThat(process.isAlive()).isTrue();

    await(servers.close());

    Poll.until(Duration.ofSeconds(10), "the process to end", () -> !process.isAlive());
    assertThat(servers.status().get(0).getString("status")).isEqualTo("stopped");
    servers = null;
  }

  @Test
  @DisplayName("an http server (our own /mcp) is reached over Streamable HTTP; an unreachable one fails")
  void httpServer(Vertx vertx) throws Exception {
    McpServerFixture fixture = McpServerFixture.start(vertx, new InMemoryToolGateway(vertx), new McpServerOptions().pageSize(2));
    load(vertx,
        new JsonObject().put("name", "agentx").put("type", "http").put("url", fixture.baseUrl() + "/mcp")
            .put("headers", new JsonObject().put("X-Test", "1")),
        new JsonObject().put("name", "offline").put("type", "http").put("url", "http://127.0.0.1:1/mcp")
            .put("startup_timeout_s", 5));

    await(servers.start());

    Map<String, JsonObject> status = statusByName(servers);
    assertThat(status.get("agentx").getString("status")).isEqualTo("running");
    assertThat(status.get("agentx").getInteger("tool_count")).isEqualTo(4);
    assertThat(status.get("offline").getString("status")).isEqualTo("failed");
    assertThat(status.get("offline").getString("error")).isNotBlank();

    RecordingToolContext context = RecordingToolContext.forCall("call-1");
    ToolResult slow = await(tool(servers, "mcp__agentx__slow").call(new JsonObject().put("steps", 2), context));
    assertThat(text(slow)).isEqualTo("done after 2 steps");
    assertThat(context.progressReports()).extracting(p -> p.getDouble("progress")).containsExactly(1.0, 2.0);
    ToolResult broken = await(tool(servers, "mcp__agentx__broken").call(new JsonObject(), RecordingToolContext.forCall("c2")));
    assertThat(broken.isError()).isTrue();
    assertThat(tool(servers, "mcp__agentx__add").spec().annotations().getBoolean("readOnlyHint")).isTrue();
  }

  @Test
  @DisplayName("cancelling a call through its ToolContext ends it and tells the remote server")
  void cancelReachesRemote(Vertx vertx) throws Exception {
    InMemoryToolGateway remote = new InMemoryToolGateway(vertx);
    McpServerFixture fixture = McpServerFixture.start(vertx, remote, new McpServerOptions());
    load(vertx, new JsonObject().put("name", "agentx").put("type", "http").put("url", fixture.baseUrl() + "/mcp"));
    await(servers.start());
    RecordingToolContext context = RecordingToolContext.forCall("call-1");

    io.vertx.core.Future<ToolResult> call = tool(servers, "mcp__agentx__slow").call(new JsonObject().put("steps", 100), context);
    Poll.until(Duration.ofSeconds(5), "the first progress report", () -> !context.progressReports().isEmpty());
    context.cancel();

    ToolResult result = await(call);
    assertThat(result.isError()).isTrue();
    assertThat(text(result)).contains("cancelled");
    Poll.until(Duration.ofSeconds(5), "the remote gateway to be told", () -> !remote.cancelled.isEmpty());
    assertThat(remote.slowFinished.get()).isZero();
  }

  @Test
  @DisplayName("a call that outlives its timeout is an isError result and the remote is told to stop")
  void callTimeout(Vertx vertx) throws Exception {
    InMemoryToolGateway remote = new InMemoryToolGateway(vertx);
    McpServerFixture fixture = McpServerFixture.start(vertx, remote, new McpServerOptions());
    load(vertx, new JsonObject().put("name", "agentx").put("type", "http").put("url", fixture.baseUrl() + "/mcp")
        .put("timeout_s", 0.5));
    await(servers.start());

    ToolResult result = await(tool(servers, "mcp__agentx__slow").call(new JsonObject().put("steps", 100),
        RecordingToolContext.forCall("call-1")));

    assertThat(result.isError()).isTrue();
    assertThat(text(result)).contains("did not answer");
    Poll.until(Duration.ofSeconds(5), "the remote gateway to be told", () -> !remote.cancelled.isEmpty());
    assertThat(servers.status().get(0).getString("status")).isEqualTo("running");
  }

  @Test
  @DisplayName("an http server that goes away is reported failed after a call finds it down")
  void httpServerGoesAway(Vertx vertx) throws Exception {
    McpServerFixture fixture = McpServerFixture.start(vertx, new InMemoryToolGateway(vertx), new McpServerOptions());
    load(vertx, new JsonObject().put("name", "agentx").put("type", "http").put("url", fixture.baseUrl() + "/mcp"));
    await(servers.start());
    Tool add = tool(servers, "mcp__agentx__add");
    assertThat(await(add.call(new JsonObject().put("a", 1).put("b", 2), RecordingToolContext.forCall("c1"))).isError()).isFalse();

    await(fixture.server.close());

    ToolResult result = await(add.call(new JsonObject().put("a", 1).put("b", 2), RecordingToolContext.forCall("c2")));
    assertThat(result.isError()).isTrue();
    assertThat(text(result)).contains("is down");
    Poll.until(Duration.ofSeconds(5), "status failed", () -> "failed".equals(servers.status().get(0).getString("status")));
    ToolResult later = await(add.call(new JsonObject(), RecordingToolContext.forCall("c3")));
    assertThat(text(later)).contains("is down");
  }

  @Test
  @DisplayName("bad config entries are reported failed without stopping the good ones")
  void badEntries(Vertx vertx) throws Exception {
    load(vertx,
        new JsonObject().put("type", "stdio").put("command", "x"),
        new JsonObject().put("name", "weird").put("type", "carrier-pigeon"),
        new JsonObject().put("name", "nocmd").put("type", "stdio"),
        new JsonObject().put("name", "badurl").put("type", "http").put("url", "ftp://x"),
        new JsonObject().put("name", "badargs").put("type", "stdio").put("command", "x").put("args", "not-a-list"),
        new JsonObject().put("name", "weird").put("type", "stdio").put("command", "x"));

    await(servers.start());

    List<JsonObject> status = servers.status();
    assertThat(status).hasSize(6).allSatisfy(s -> assertThat(s.getString("status")).isEqualTo("failed"));
    assertThat(status.get(0).getString("error")).contains("no \"name\"");
    assertThat(status.get(1).getString("error")).contains("carrier-pigeon");
    assertThat(status.get(2).getString("error")).contains("command");
    assertThat(status.get(3).getString("error")).contains("url");
    assertThat(status.get(4).getString("error")).contains("args");
    assertThat(status.get(5).getString("error")).contains("already uses the name");
    assertThat(servers.tools()).isEmpty();
  }

  @Test
  @DisplayName("a missing or malformed config file is a clear error")
  void badFiles(Vertx vertx) throws Exception {
    assertThatThrownBy(() -> ExternalMcpServers.load(vertx, dir.resolve("missing.json")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.json");
    Path notJson = dir.resolve("bad.json");
    Files.writeString(notJson, "{servers: [");
    assertThatThrownBy(() -> ExternalMcpServers.load(vertx, notJson))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a JSON object");
    Path noServers = dir.resolve("empty.json");
    Files.writeString(noServers, "{}");
    assertThatThrownBy(() -> ExternalMcpServers.load(vertx, noServers))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"servers\"");
  }
}
