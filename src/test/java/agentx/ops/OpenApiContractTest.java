package agentx.ops;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.FakeComfyUi;
import agentx.testing.Poll;
import agentx.testing.SseClient;
import agentx.testing.TestRuntime;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.OpenAPIVersion;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /openapi.json} is an OpenAPI 3.1 document, and every answer of a tour through the whole
 * API (successes and the usual errors) is valid against it, as checked by vertx-openapi's response
 * validator: the operation found by method and path, the status documented, the body matching its
 * schema.
 */
@ExtendWith(VertxExtension.class)
class OpenApiContractTest {
  private static final String TOKEN = "contract-token";
  private static final String P = "/api/agentx";
  private static final String UNKNOWN = "00000000-0000-4000-8000-000000000000";
  @TempDir Path dir;
  FakeAnthropic claude;
  FakeComfyUi comfy;
  TestRuntime rt;
  OpenAPIContract contract;
  ResponseValidator validator;
  final List<String> invalid = new ArrayList<>();
  final Set<String> exercised = new TreeSet<>();

  @BeforeEach
  void start(Vertx vertx) {
    claude = FakeAnthropic.start(vertx).await();
    comfy = new FakeComfyUi(vertx).start().await();
    rt = TestRuntime.start(vertx, TestRuntime.withClaude(dir, claude, Map.of(AgentXConfig.ROLES, "api,engine,store,tools",
        AgentXConfig.COMFYUI_URL, comfy.baseUrl(), AgentXConfig.API_TOKEN, TOKEN))).await();
    HttpResponse<Buffer> doc = rt.http.get("/openapi.json").send().await();
    assertThat(doc.statusCode()).isEqualTo(200);
    assertThat(doc.getHeader("Content-Type")).startsWith("application/json");
    contract = OpenAPIContract.from(vertx, withoutUnvalidatableMedia(doc.bodyAsJsonObject())).await();
    validator = ResponseValidator.create(vertx, contract);
  }

  @AfterEach
  void stop() {
    claude.close();
    comfy.stop();
  }

  /**
   * vertx-openapi refuses a document that declares media types it cannot validate (an SSE stream, a
   * media file of any type) and cannot read a text/plain body (Prometheus text). The copy it reads
   * leaves those bodies undeclared, so their status codes are still checked here; the bodies
   * themselves are checked by EventStreamTest and MetricsTest.
   */
  static JsonObject withoutUnvalidatableMedia(JsonObject document) {
    JsonObject copy = document.copy();
    Set<String> supported = Set.of("application/json");
    copy.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(op -> {
      if (op.getValue() instanceof JsonObject operation && operation.getValue("responses") instanceof JsonObject responses) {
        responses.forEach(r -> {
          if (r.getValue() instanceof JsonObject response && response.getValue("content") instanceof JsonObject content) {
            content.fieldNames().removeIf(mime -> !supported.contains(mime));
            if (content.isEmpty()) {
              response.remove("content");
            }
          }
        });
      }
    }));
    return copy;
  }

  /** Sends the request and checks the answer against the contract; answers the response for the tour to go on. */
  private HttpResponse<Buffer> call(HttpMethod method, String uri, Object body) {
    HttpRequest<Buffer> request = rt.http.request(method, uri).bearerTokenAuthentication(TOKEN);
    HttpResponse<Buffer> response = (body == null ? request.send()
        : request.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body.toString()))).await();
    check(method, uri, response.statusCode(), response.getHeader("Content-Type"), response.body(), response.headers().names().stream()
        .collect(java.util.stream.Collectors.toMap(n -> n, response::getHeader, (a, b) -> a, LinkedHashMap::new)));
    return response;
  }

  private void check(HttpMethod method, String uri, int status, String contentType, Buffer body, Map<String, String> headers) {
    String path = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
    Operation operation = contract.findOperation(path, method);
    if (operation == null) {
      invalid.add(method + " " + path + ": no operation in the document");
      return;
    }
    exercised.add(operation.getOperationId());
    String mime = contentType == null ? null : contentType.split(";")[0].trim();
    ValidatableResponse response = body == null || body.length() == 0
        ? ValidatableResponse.create(status, headers)
        : ValidatableResponse.create(status, headers, body, mime);
    Future<?> result = validator.validate(response, operation.getOperationId());
    try {
      result.await();
    } catch (Exception e) {
      invalid.add(method + " " + uri + " -> " + status + ": " + e.getMessage() + (body == null ? "" : " body " + body));
    }
  }

  @Test
  @DisplayName("the document is OpenAPI 3.1 and every route's real answers, successes and errors, validate against it")
  void everyAnswerMatchesTheDocument() throws Exception {
    assertThat(contract.getVersion()).isEqualTo(OpenAPIVersion.V3_1);
    claude.setDefault(Reply.text("Fine."));

    // health, metrics, this document
    call(HttpMethod.GET, "/health", null);
    call(HttpMethod.GET, "/health/ready", null);
    call(HttpMethod.GET, "/health/live", null);
    call(HttpMethod.GET, P + "/health", null);
    call(HttpMethod.GET, P + "/health/ready", null);
    call(HttpMethod.GET, P + "/health/live", null);
    call(HttpMethod.GET, "/openapi.json", null);
    HttpResponse<Buffer> unauthorized = rt.http.get("/metrics").send().await();
    check(HttpMethod.GET, "/metrics", unauthorized.statusCode(), unauthorized.getHeader("Content-Type"), unauthorized.body(), Map.of());

    // sessions
    JsonObject session = call(HttpMethod.POST, P + "/sessions", new JsonObject().put("title", "contract").put("user_id", "u1"))
        .bodyAsJsonObject();
    String id = session.getString("session_id");
    call(HttpMethod.POST, P + "/sessions", "{not json");
    call(HttpMethod.POST, P + "/sessions", new JsonObject().put("nope", 1));
    call(HttpMethod.GET, P + "/sessions?limit=5", null);
    call(HttpMethod.GET, P + "/sessions?limit=500", null);
    call(HttpMethod.GET, P + "/sessions/" + id, null);
    call(HttpMethod.GET, P + "/sessions/not-a-uuid", null);
    call(HttpMethod.GET, P + "/sessions/" + UNKNOWN, null);
    call(HttpMethod.PATCH, P + "/sessions/" + id, new JsonObject().put("title", "renamed"));

    // turns: waited for, in the background, their records, events, cancel
    call(HttpMethod.POST, P + "/sessions/" + id + "/messages", new JsonObject().put("content", "hello"));
    call(HttpMethod.POST, P + "/sessions/" + id + "/messages", new JsonObject().put("content", ""));
    call(HttpMethod.POST, P + "/sessions/" + UNKNOWN + "/messages", new JsonObject().put("content", "x"));
    claude.enqueue(Reply.text("Slowly in the background.").delayPerEvent(Duration.ofMillis(100)));
    String turnId = call(HttpMethod.POST, P + "/sessions/" + id + "/messages", new JsonObject().put("content", "bg").put("wait", false))
        .bodyAsJsonObject().getString("turn_id");
    call(HttpMethod.GET, P + "/sessions/" + id + "/turns/" + turnId, null); // running
    call(HttpMethod.POST, P + "/sessions/" + id + "/cancel", null);
    Poll.until(Duration.ofSeconds(20), "the background turn ends", () -> !"running".equals(rt.http.get(P + "/sessions/" + id + "/turns/" + turnId)
        .bearerTokenAuthentication(TOKEN).send().await().bodyAsJsonObject().getString("status")));
    call(HttpMethod.GET, P + "/sessions/" + id + "/turns/" + turnId, null);
    call(HttpMethod.GET, P + "/sessions/" + id + "/turns/" + UNKNOWN, null);
    call(HttpMethod.GET, P + "/sessions/" + id + "/turns?limit=10", null);
    call(HttpMethod.GET, P + "/sessions/" + id + "/messages", null);
    call(HttpMethod.GET, P + "/sessions/" + id + "/events?after=0", null);
    call(HttpMethod.GET, P + "/sessions/" + id + "/events?after=-1", null);

    // approvals: a turn that stops for one, the list, an answer, a second answer, an unknown call, a bad decision
    String asking = call(HttpMethod.POST, P + "/sessions", new JsonObject().put("config", new JsonObject()
        .put("tool_approval", new JsonObject().put("get_queue", "ask")))).bodyAsJsonObject().getString("session_id");
    claude.enqueue(Reply.toolUse("Looking.", List.of(new FakeAnthropic.ToolUseSpec("toolu_oa1", "get_queue", new JsonObject()))));
    call(HttpMethod.POST, P + "/sessions/" + asking + "/messages", new JsonObject().put("content", "queue?")); // 202 awaiting_approval
    call(HttpMethod.GET, P + "/sessions/" + asking + "/approvals", null);
    call(HttpMethod.POST, P + "/sessions/" + asking + "/messages", new JsonObject().put("content", "busy?")); // 409
    call(HttpMethod.POST, P + "/sessions/" + asking + "/approvals/toolu_oa1", new JsonObject().put("decision", "maybe"));
    call(HttpMethod.POST, P + "/sessions/" + asking + "/approvals/toolu_oa1", new JsonObject().put("decision", "approve"));
    call(HttpMethod.POST, P + "/sessions/" + asking + "/approvals/toolu_oa1", new JsonObject().put("decision", "deny"));
    call(HttpMethod.POST, P + "/sessions/" + asking + "/approvals/toolu_none", new JsonObject().put("decision", "deny"));
    call(HttpMethod.GET, P + "/sessions/" + UNKNOWN + "/approvals", null);

    // the SSE stream: its head is checked (the body is an endless stream)
    try (SseClient sse = SseClient.open(rt.port(), P + "/sessions/" + id + "/events/stream?after=0", "Authorization", "Bearer " + TOKEN)) {
      check(HttpMethod.GET, P + "/sessions/" + id + "/events/stream", sse.status, sse.headers.get("content-type"), null, Map.of());
      assertThat(sse.next()).isNotNull();
    }
    try (SseClient sse = SseClient.open(rt.port(), P + "/sessions/" + UNKNOWN + "/events/stream", "Authorization", "Bearer " + TOKEN)) {
      check(HttpMethod.GET, P + "/sessions/" + UNKNOWN + "/events/stream", sse.status, sse.headers.get("content-type"),
          Buffer.buffer(sse.body()), Map.of());
    }

    // workflows
    JsonObject workflow = new JsonObject(Files.readString(Path.of("src/test/resources/comfyui/default_workflow_api.json")));
    call(HttpMethod.GET, P + "/sessions/" + id + "/workflow", null);
    call(HttpMethod.PUT, P + "/sessions/" + id + "/workflow", new JsonObject().put("workflow", workflow).put("description", "first"));
    call(HttpMethod.PUT, P + "/sessions/" + id + "/workflow", new JsonObject().put("workflow", workflow).put("description", "second"));
    call(HttpMethod.PUT, P + "/sessions/" + id + "/workflow", new JsonObject().put("workflow", "not an object"));
    call(HttpMethod.GET, P + "/sessions/" + id + "/workflow", null);
    call(HttpMethod.GET, P + "/sessions/" + id + "/workflow/versions", null);
    call(HttpMethod.POST, P + "/sessions/" + id + "/workflow/restore", new JsonObject().put("version", 1));
    call(HttpMethod.POST, P + "/sessions/" + id + "/workflow/restore", new JsonObject().put("version", 99));

    // tools, media, deletion
    call(HttpMethod.GET, P + "/tools", null);
    call(HttpMethod.GET, P + "/sessions/" + id + "/media?filename=../x", null);
    call(HttpMethod.DELETE, P + "/sessions/" + id, null);
    call(HttpMethod.DELETE, P + "/sessions/" + id, null);
    call(HttpMethod.GET, "/metrics", null);

    assertThat(invalid).as("answers that do not match openapi.json").isEmpty();
    assertThat(exercised).as("operations the tour reached").contains("createSession", "listSessions", "getSession", "updateSession",
        "deleteSession", "sendMessage", "listMessages", "cancelTurn", "listEvents", "streamEvents", "listTurns", "getTurn",
        "getWorkflow", "putWorkflow", "listWorkflowVersions", "restoreWorkflow", "getMedia", "listTools", "health", "ready", "live",
        "healthApi", "readyApi", "liveApi", "metrics", "openapi", "listApprovals", "answerApproval");
  }
}
