package agentx.api.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import agentx.testing.InMemoryToolGateway;
import agentx.testing.Poll;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

@ExtendWith(VertxExtension.class)
@DisplayName("/mcp driven by the official MCP Java SDK client")
class McpHttpHandlerSdkTest {
  private InMemoryToolGateway gateway;
  private McpServerFixture fixture;
  private final List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();
  private McpSyncClient client;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    gateway = new InMemoryToolGateway(vertx);
    fixture = McpServerFixture.start(vertx, gateway, new McpServerOptions().serverName("agentx-test").pageSize(1));
    client = McpClient.sync(transport(null))
        .requestTimeout(Duration.ofSeconds(10))
        .progressConsumer(progress::add)
        .build();
  }

  @AfterEach
  void stop() {
    client.close();
  }

  private HttpClientStreamableHttpTransport transport(
      io.modelcontextprotocol.client.transport.customizer.McpAsyncHttpClientRequestCustomizer customizer) {
    HttpClientStreamableHttpTransport.Builder builder = HttpClientStreamableHttpTransport.builder(fixture.baseUrl());
    if (customizer != null) {
      builder.asyncHttpRequestCustomizer(customizer);
    }
    return builder.build();
  }

  private static String text(McpSchema.CallToolResult result) {
    return ((McpSchema.TextContent) result.content().get(0)).text();
  }

  @Test
  @DisplayName("initialize negotiates the client's newest version and names the server")
  void initialize() {
    McpSchema.InitializeResult result = client.initialize();

    assertThat(result.protocolVersion()).isEqualTo("2025-11-25");
    assertThat(result.serverInfo().name()).isEqualTo("agentx-test");
    assertThat(result.capabilities().tools()).isNotNull();
    assertThat(result.capabilities().tools().listChanged()).isFalse();
    assertThat(fixture.handler.sessionCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("tools/list pages one tool at a time and the client follows nextCursor to all four")
  void listWithPagination() {
    client.initialize();

    McpSchema.ListToolsResult first = client.listTools(McpSchema.FIRST_PAGE);
    assertThat(first.tools()).extracting(McpSchema.Tool::name).containsExactly("add");
    assertThat(first.nextCursor()).isNotBlank();
    McpSchema.ListToolsResult second = client.listTools(first.nextCursor());
    assertThat(second.tools()).extracting(McpSchema.Tool::name).containsExactly("slow");

    McpSchema.ListToolsResult all = client.listTools();
    assertThat(all.tools()).extracting(McpSchema.Tool::name).containsExactly("add", "slow", "broken", "pixel");
    McpSchema.Tool add = all.tools().get(0);
    assertThat(add.description()).isEqualTo("Adds two numbers");
    assertThat(add.inputSchema()).containsEntry("type", "object");
    assertThat(add.annotations().readOnlyHint()).isTrue();
  }

  @Test
  @DisplayName("tools/call returns the tool's content blocks, images included")
  void call() {
    client.initialize();

    McpSchema.CallToolResult sum = client.callTool(new McpSchema.CallToolRequest("add", Map.of("a", 2, "b", 3)));
    assertThat(sum.isError()).isFalse();
    assertThat(text(sum)).isEqualTo("5.0");

    McpSchema.CallToolResult pixel = client.callTool(new McpSchema.CallToolRequest("pixel", Map.of()));
    assertThat(pixel.content()).hasSize(2);
    McpSchema.ImageContent image = (McpSchema.ImageContent) pixel.content().get(1);
    assertThat(image.mimeType()).isEqualTo("image/png");
    assertThat(image.data()).startsWith("iVBOR");
  }

  @Test
  @DisplayName("a failing tool is an isError result; an unknown tool is the protocol error -32602, as the MCP spec has it")
  void toolFailuresAreResults() {
    client.initialize();

    McpSchema.CallToolResult broken = client.callTool(new McpSchema.CallToolRequest("broken", Map.of()));
    assertThat(broken.isError()).isTrue();
    assertThat(text(broken)).contains("the tool broke on purpose");

    assertThatThrownBy(() -> client.callTool(new McpSchema.CallToolRequest("nope", Map.of())))
        .isInstanceOfSatisfying(McpError.class, e -> assertThat(e.getJsonRpcError().code()).isEqualTo(-32602))
        .hasMessageContaining("Unknown tool: nope");
  }

  @Test
  @DisplayName("a call with a progress token streams progress notifications before its result")
  void progressNotifications() {
    client.initialize();

    McpSchema.CallToolResult result = client.callTool(McpSchema.CallToolRequest.builder()
        .name("slow").arguments(Map.of("steps", 3)).progressToken("tok-1").build());

    assertThat(text(result)).isEqualTo("done after 3 steps");
    // the SDK hands notifications to the consumer on its own scheduler, so they may land after the
    // result and in any order; the wire order (progress first, in order) is McpHttpHandlerHttpTest's
    agentx.testing.Poll.until(java.time.Duration.ofSeconds(5), "three progress notifications", () -> progress.size() >= 3);
    assertThat(progress).hasSize(3);
    assertThat(progress).allSatisfy(p -> assertThat(p.progressToken()).isEqualTo("tok-1"));
    List<McpSchema.ProgressNotification> ordered = progress.stream()
        .sorted(java.util.Comparator.comparingDouble(McpSchema.ProgressNotification::progress)).toList();
    assertThat(ordered).extracting(McpSchema.ProgressNotification::progress).containsExactly(1.0, 2.0, 3.0);
    assertThat(ordered.get(2).total()).isEqualTo(3.0);
    assertThat(ordered.get(0).message()).isEqualTo("step 1");
  }

  @Test
  @DisplayName("notifications/cancelled stops the slow call in the gateway")
  void cancellation() {
    // The SDK client does not send notifications/cancelled itself: learn the request id from the
    // outgoing body and send the notification through the same transport (same session).
    AtomicReference<Object> callRequestId = new AtomicReference<>();
    HttpClientStreamableHttpTransport transport = transport((builder, method, uri, body, context) -> {
      if (body != null && body.contains("\"tools/call\"")) {
        callRequestId.set(new JsonObject(body).getValue("id"));
      }
      return Mono.just(builder);
    });
    McpAsyncClient asyncClient = McpClient.async(transport)
        .requestTimeout(Duration.ofSeconds(30))
        .progressConsumer(p -> {
          progress.add(p);
          return Mono.empty();
        })
        .build();
    try {
      asyncClient.initialize().block(Duration.ofSeconds(10));
      AtomicReference<McpSchema.CallToolResult> answered = new AtomicReference<>();
      Disposable call = asyncClient.callTool(McpSchema.CallToolRequest.builder()
              .name("slow").arguments(Map.of("steps", 100)).progressToken("slow-1").build())
          .subscribe(answered::set, failure -> { });

      Poll.until(Duration.ofSeconds(10), "the first progress notification",
          () -> !progress.isEmpty() && callRequestId.get() != null);
      transport.sendMessage(new McpSchema.JSONRPCNotification("2.0", "notifications/cancelled",
          Map.of("requestId", callRequestId.get(), "reason", "test"))).block(Duration.ofSeconds(5));

      Poll.until(Duration.ofSeconds(5), "the gateway to see the cancel", () -> !gateway.cancelled.isEmpty());
      int stepsAtCancel = gateway.slowSteps.get();
      Poll.sleep(Duration.ofMillis(3 * InMemoryToolGateway.STEP_MS));
      assertThat(gateway.slowSteps.get()).isLessThanOrEqualTo(stepsAtCancel).isLessThan(100);
      assertThat(gateway.slowFinished.get()).isZero();
      assertThat(answered.get()).as("a cancelled request gets no response").isNull();
      call.dispose();
    } finally {
      asyncClient.close();
    }
  }
}
