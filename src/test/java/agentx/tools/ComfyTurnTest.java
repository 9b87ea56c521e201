package agentx.tools;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.testing.EchoMcpServer;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.FakeAnthropic.ToolUseSpec;
import agentx.testing.FakeComfyUi;
import agentx.testing.TestRuntime;
import agentx.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The whole runtime with the real tools verticle against a fake ComfyUI, an external stdio MCP server and a fake Claude. */
@ExtendWith(VertxExtension.class)
class ComfyTurnTest {
  @TempDir Path dir;
  FakeAnthropic claude;
  FakeComfyUi comfy;
  TestRuntime rt;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    claude = FakeAnthropic.start(vertx).await();
    comfy = new FakeComfyUi(vertx).wsMessageDelay(Duration.ofMillis(2)).start().await();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    JsonObject servers = new JsonObject().put("servers", new JsonArray().add(new JsonObject()
        .put("name", "echo").put("type", "stdio").put("command", java)
        .put("args", new JsonArray().add("-XX:TieredStopAtLevel=1").add("-cp").add(System.getProperty("java.class.path"))
            .add(EchoMcpServer.class.getName()))
        .put("startup_timeout_s", 30)));
    Path serversFile = dir.resolve("mcp-servers.json");
    Files.writeString(serversFile, servers.encode());
    rt = TestRuntime.start(vertx, TestRuntime.config(dir, Map.of(
        AgentXConfig.ANTHROPIC_API_KEY, "sk-ant-test",
        AgentXConfig.ANTHROPIC_BASE_URL, claude.baseUrl(),
        AgentXConfig.COMFYUI_URL, comfy.baseUrl(),
        AgentXConfig.MCP_SERVERS_FILE, serversFile.toString(),
        AgentXConfig.WS_HEARTBEAT, 0))).await();
  }

  @AfterEach
  void stop() {
    claude.close();
    comfy.stop();
  }

  static String resource(String path) throws IOException {
    try (InputStream in = ComfyTurnTest.class.getClassLoader().getResourceAsStream(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private String sessionWithDefaultWorkflow() throws IOException {
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    HttpResponse<Buffer> put = rt.http.put("/api/agentx/sessions/" + id + "/workflow").putHeader("Content-Type", "application/json")
        .sendJsonObject(new JsonObject().put("workflow", new JsonObject(resource("comfyui/default_workflow_api.json")))
            .put("description", "from the canvas")).await();
    assertThat(put.statusCode()).as(put.bodyAsString()).isEqualTo(200);
    return id;
  }

  /** The tool_result Claude received in the second request, as JSON. */
  private JsonObject toolResultOfLastContinuation(int request) {
    JsonArray messages = claude.requests().get(request).body().getJsonArray("messages");
    JsonObject results = messages.getJsonObject(messages.size() - 1);
    JsonObject block = results.getJsonArray("content").getJsonObject(0);
    assertThat(block.getString("type")).isEqualTo("tool_result");
    return block;
  }

  private static String text(JsonObject toolResult) {
    return toolResult.getJsonArray("content").getJsonObject(0).getString("text");
  }

  private HttpResponse<Buffer> send(String id, String content) {
    return rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", content)).await();
  }

  @Test
  @DisplayName("GET /tools lists every ComfyUI tool of DESIGN §7 with object schemas, plus the external mcp__echo__echo")
  void toolListing() {
    JsonObject listing = rt.http.get("/api/agentx/tools").send().await().bodyAsJsonObject();
    List<String> names = listing.getJsonArray("tools").stream().map(t -> ((JsonObject) t).getString("name")).toList();
    assertThat(names).contains("search_nodes", "get_node_info", "list_models", "get_system_stats", "get_workflow",
        "update_workflow", "modify_node", "add_node", "remove_node", "connect_nodes", "validate_workflow", "run_workflow",
        "get_execution_status", "get_queue", "cancel_execution", "get_output_images", "upload_image", "get_logs",
        "mcp__echo__echo");
    assertThat(listing.getJsonArray("tools")).allSatisfy(t ->
        assertThat(((JsonObject) t).getJsonObject("input_schema").getString("type")).isEqualTo("object"));
    JsonObject echo = listing.getJsonArray("servers").getJsonObject(0);
    assertThat(echo.getString("name")).isEqualTo("echo");
    assertThat(echo.getString("status")).isEqualTo("running");
    JsonObject health = rt.http.get("/health").send().await().bodyAsJsonObject();
    assertThat(health.getString("comfyui")).isEqualTo("up");
    assertThat(health.getString("status")).isEqualTo("healthy");
  }

  @Test
  @DisplayName("in a turn, search_nodes finds KSampler in the cached catalogue")
  void searchNodesInTurn() {
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    claude.enqueue(Reply.toolUse("", List.of(new ToolUseSpec("toolu_s", "search_nodes", new JsonObject().put("query", "ksampler")))))
        .enqueue(Reply.text("Found it."));
    assertThat(send(id, "find a sampler").statusCode()).isEqualTo(200);
    JsonObject result = toolResultOfLastContinuation(1);
    assertThat(result.getBoolean("is_error")).isFalse();
    assertThat(text(result)).contains("KSampler");
    assertThat(claude.requests().get(0).body().getJsonArray("tools").size()).isGreaterThanOrEqualTo(19);
  }

  @Test
  @DisplayName("in a turn, validate_workflow reports the session's workflow valid; a bad edit is refused; a bad upload is found")
  void validateInTurn() throws IOException {
    String id = sessionWithDefaultWorkflow();
    claude.enqueue(Reply.toolUse("", List.of(new ToolUseSpec("toolu_v", "validate_workflow", new JsonObject()))))
        .enqueue(Reply.text("Valid."));
    send(id, "check it");
    JsonObject valid = new JsonObject(text(toolResultOfLastContinuation(1)));
    assertThat(valid.getBoolean("valid")).as(valid.encode()).isTrue();

    // an edit the catalogue refuses is an is_error result with the closest valid value, and saves nothing
    claude.enqueue(Reply.toolUse("", List.of(new ToolUseSpec("toolu_m", "modify_node",
            new JsonObject().put("node_id", "3").put("inputs", new JsonObject().put("sampler_name", "eulerr"))))))
        .enqueue(Reply.text("Refused."));
    send(id, "break it");
    JsonObject refused = toolResultOfLastContinuation(3);
    assertThat(refused.getBoolean("is_error")).isTrue();
    assertThat(text(refused)).contains("value_not_in_list").contains("'euler'");
    assertThat(rt.http.get("/api/agentx/sessions/" + id + "/workflow").send().await().bodyAsJsonObject().getLong("version")).isEqualTo(1);

    // a broken workflow pushed from a canvas is diagnosed by validate_workflow
    JsonObject broken = new JsonObject(resource("comfyui/default_workflow_api.json"));
    broken.getJsonObject("3").getJsonObject("inputs").put("sampler_name", "eulerr").remove("model");
    rt.http.put("/api/agentx/sessions/" + id + "/workflow").putHeader("Content-Type", "application/json")
        .sendJsonObject(new JsonObject().put("workflow", broken)).await();
    claude.enqueue(Reply.toolUse("", List.of(new ToolUseSpec("toolu_v2", "validate_workflow", new JsonObject()))))
        .enqueue(Reply.text("Broken."));
    send(id, "check again");
    JsonObject invalid = new JsonObject(text(toolResultOfLastContinuation(5)));
    assertThat(invalid.getBoolean("valid")).isFalse();
    assertThat(invalid.encode()).contains("value_not_in_list").contains("required_input_missing");
  }

  @Test
  @DisplayName("in a turn, run_workflow{wait:true} queues, streams ComfyUI progress as state events and returns the outputs")
  void runWorkflowInTurn(Vertx vertx) throws IOException {
    String id = sessionWithDefaultWorkflow();
    WsClient ws = WsClient.connect(vertx, rt.port(), "/api/agentx/sessions/" + id + "/stream").await();
    claude.enqueue(Reply.toolUse("Running it.", List.of(new ToolUseSpec("toolu_r", "run_workflow", new JsonObject().put("wait", true)))))
        .enqueue(Reply.text("Done, one image."));
    HttpResponse<Buffer> r = send(id, "run it");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject result = toolResultOfLastContinuation(1);
    assertThat(result.getBoolean("is_error")).as(result.encode()).isFalse();
    JsonObject run = new JsonObject(text(result));
    assertThat(run.getString("prompt_id")).isNotBlank();
    assertThat(run.getString("status")).isEqualTo("success");
    assertThat(run.encode()).contains("ComfyUI_").contains(".png");
    assertThat(comfy.count("POST /prompt")).isEqualTo(1);

    ws.await(WsClient.turnEvent()).await();
    List<JsonObject> progress = ws.frames.stream().filter(f -> "state".equals(f.getString("type")))
        .map(f -> f.getJsonObject("data"))
        .filter(d -> "calling_tool".equals(d.getString("state")) && d.getJsonObject("progress") != null).toList();
    assertThat(progress).isNotEmpty();
    assertThat(progress.get(progress.size() - 1).getJsonObject("progress").getInteger("max")).isPositive();
    assertThat(progress).allSatisfy(p -> assertThat(p.getString("tool_name")).isEqualTo("run_workflow"));
  }

  @Test
  @DisplayName("in a turn, an execution error comes back diagnosed: failing node, exception type and message")
  void executionErrorInTurn() throws IOException {
    String id = sessionWithDefaultWorkflow();
    comfy.nextRunOutcome(FakeComfyUi.Outcome.EXECUTION_ERROR);
    claude.enqueue(Reply.toolUse("", List.of(new ToolUseSpec("toolu_r", "run_workflow", new JsonObject().put("wait", true)))))
        .enqueue(Reply.text("It failed."));
    send(id, "run it");
    JsonObject result = toolResultOfLastContinuation(1);
    assertThat(result.getBoolean("is_error")).isTrue();
    assertThat(text(result)).contains("exception_type").contains("node");
  }

  @Test
  @DisplayName("in a turn, the external stdio server's mcp__echo__echo answers through the registry")
  void externalToolInTurn() {
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    claude.enqueue(Reply.toolUse("", List.of(new ToolUseSpec("toolu_e", "mcp__echo__echo", new JsonObject().put("text", "ping-42")))))
        .enqueue(Reply.text("Echoed."));
    send(id, "echo");
    JsonObject result = toolResultOfLastContinuation(1);
    assertThat(result.getBoolean("is_error")).isFalse();
    assertThat(text(result)).isEqualTo("ping-42");
  }

  @Test
  @DisplayName("media with ComfyUI unreachable: 503 SERVICE_UNAVAILABLE naming ComfyUI, as JSON, never ComfyUI's bytes or type")
  void mediaComfyDown() {
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    comfy.stop().await();
    HttpResponse<Buffer> r = rt.http.get("/api/agentx/sessions/" + id + "/media").addQueryParam("filename", "x.png").send().await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(503);
    assertThat(r.getHeader("Content-Type")).startsWith("application/json");
    assertThat(r.bodyAsJsonObject().getString("code")).isEqualTo("SERVICE_UNAVAILABLE");
    assertThat(r.bodyAsJsonObject().getString("error")).contains("ComfyUI at " + comfy.baseUrl());
  }

  @Test
  @DisplayName("ComfyUI unreachable: the tool answers is_error naming ComfyUI and its URL within seconds")
  void comfyDown() {
    comfy.stop().await();
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    claude.enqueue(Reply.toolUse("", List.of(new ToolUseSpec("toolu_d", "get_system_stats", new JsonObject()))))
        .enqueue(Reply.text("ComfyUI is down."));
    long t0 = System.nanoTime();
    assertThat(send(id, "stats").statusCode()).isEqualTo(200);
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000);
    JsonObject result = toolResultOfLastContinuation(1);
    assertThat(result.getBoolean("is_error")).isTrue();
    assertThat(text(result)).contains("ComfyUI").contains(comfy.baseUrl());
  }

  @Test
  @DisplayName("workflow REST: PUT versions, GET current, list versions, restore; a UI-format save is converted, an unknown class refused")
  void workflowRoutes() throws IOException {
    String id = sessionWithDefaultWorkflow();
    String base = "/api/agentx/sessions/" + id + "/workflow";
    JsonObject current = rt.http.get(base).send().await().bodyAsJsonObject();
    assertThat(current.getLong("version")).isEqualTo(1);
    assertThat(current.getJsonObject("workflow").getJsonObject("3").getString("class_type")).isEqualTo("KSampler");
    JsonObject uiWorkflow = new JsonObject(resource("comfyui/default_workflow_ui.json"));
    JsonObject unknown = uiWorkflow.copy();
    unknown.getJsonArray("nodes").getJsonObject(0).put("type", "NoSuchNodeClass");
    HttpResponse<Buffer> refused = rt.http.put(base).putHeader("Content-Type", "application/json")
        .sendJsonObject(new JsonObject().put("workflow", unknown)).await();
    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(400);
    assertThat(refused.bodyAsJsonObject().getString("code")).isEqualTo("VALIDATION_FAILED");
    assertThat(refused.bodyAsJsonObject().getString("error")).contains("NoSuchNodeClass");
    assertThat(rt.http.get(base).send().await().bodyAsJsonObject().getLong("version")).as("nothing saved").isEqualTo(1);
    HttpResponse<Buffer> ui = rt.http.put(base).putHeader("Content-Type", "application/json")
        .sendJsonObject(new JsonObject().put("workflow", uiWorkflow).put("description", "from the canvas")).await();
    assertThat(ui.statusCode()).as(ui.bodyAsString()).isEqualTo(200);
    assertThat(ui.bodyAsJsonObject().getLong("version")).isEqualTo(2);
    JsonObject expected = new JsonObject(resource("comfyui/default_workflow_api.json"));
    JsonObject converted = ui.bodyAsJsonObject().getJsonObject("workflow");
    assertThat(converted.fieldNames()).isEqualTo(expected.fieldNames());
    expected.fieldNames().forEach(node -> assertThat(converted.getJsonObject(node).getJsonObject("inputs"))
        .as(node).isEqualTo(expected.getJsonObject(node).getJsonObject("inputs")));
    rt.postJson(base + "/restore", new JsonObject().put("version", 1)).await();
    JsonObject big = new JsonObject(resource("comfyui/default_workflow_api.json"));
    big.getJsonObject("3").getJsonObject("inputs").put("seed", new java.math.BigInteger("18446744073709551615"));
    assertThat(rt.http.put(base).putHeader("Content-Type", "application/json").sendJsonObject(new JsonObject().put("workflow", big))
        .await().bodyAsJsonObject().getLong("version")).isEqualTo(4);
    assertThat(rt.http.get(base).send().await().bodyAsString()).contains("18446744073709551615");
    JsonArray versions = rt.http.get(base + "/versions").send().await().bodyAsJsonObject().getJsonArray("versions");
    assertThat(versions).hasSize(4);
    JsonObject restored = rt.postJson(base + "/restore", new JsonObject().put("version", 1)).await().bodyAsJsonObject();
    assertThat(restored.getLong("version")).isEqualTo(5);
    assertThat(restored.getJsonObject("workflow").getJsonObject("3").getJsonObject("inputs").getLong("seed")).isEqualTo(156680208700286L);
    assertThat(rt.postJson(base + "/restore", new JsonObject().put("version", 9)).await().statusCode()).isEqualTo(404);

    // every change was announced as a persisted workflow event, with who made it
    JsonArray events = rt.http.get("/api/agentx/sessions/" + id + "/events?after=0").send().await().bodyAsJsonObject()
        .getJsonArray("events");
    List<JsonObject> workflowEvents = events.stream().map(e -> (JsonObject) e).filter(e -> "workflow".equals(e.getString("type"))).toList();
    assertThat(workflowEvents.stream().map(e -> e.getJsonObject("data").getLong("version")).toList()).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(workflowEvents.stream().map(e -> e.getJsonObject("data").getString("source")).toList())
        .containsExactly("user", "user", "restore", "user", "restore");
    assertThat(workflowEvents.get(1).getJsonObject("data").getJsonObject("workflow")).isEqualTo(converted);
  }

  @Test
  @DisplayName("an edit tool in a turn announces the new version as a workflow event naming the tool call, seen live on the socket")
  void toolEditAnnouncesWorkflow(Vertx vertx) throws IOException {
    String id = sessionWithDefaultWorkflow();
    WsClient ws = WsClient.connect(vertx, rt.port(), "/api/agentx/sessions/" + id + "/stream?after=0").await();
    claude.enqueue(Reply.toolUse("Adding a preview.", List.of(new ToolUseSpec("toolu_add", "add_node",
            new JsonObject().put("class_type", "PreviewImage").put("inputs", new JsonObject().put("images", new JsonArray().add("8").add(0)))))))
        .enqueue(Reply.text("Added."));
    assertThat(send(id, "add a preview").statusCode()).isEqualTo(200);
    ws.await(WsClient.turnEvent()).await();
    List<JsonObject> announced = ws.frames.stream().filter(f -> "workflow".equals(f.getString("type"))).toList();
    assertThat(announced).hasSize(2);
    JsonObject edit = announced.get(1);
    assertThat(edit.getJsonObject("data").getString("source")).isEqualTo("tool");
    assertThat(edit.getJsonObject("data").getString("tool_call_id")).isEqualTo("toolu_add");
    assertThat(edit.getJsonObject("data").getLong("version")).isEqualTo(2);
    assertThat(edit.getJsonObject("data").getJsonObject("workflow").encode()).contains("PreviewImage");
    assertThat(edit.getString("turn_id")).isNotNull();
    List<Long> seqs = ws.frames.stream().map(f -> f.getLong("seq")).toList();
    assertThat(seqs).isEqualTo(java.util.stream.LongStream.rangeClosed(1, seqs.size()).boxed().toList());
  }

  @Test
  @DisplayName("a message with an attached image: Claude gets the image block, ComfyUI's input folder gets the file, the note names it")
  void attachedImage() throws IOException {
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    byte[] png = java.util.Base64.getDecoder().decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
    JsonArray content = new JsonArray()
        .add(new JsonObject().put("type", "text").put("text", "Use this as the init image."))
        .add(new JsonObject().put("type", "image").put("source", new JsonObject().put("type", "base64")
            .put("media_type", "image/png").put("data", java.util.Base64.getEncoder().encodeToString(png))));
    claude.enqueue(Reply.text("Got it."));
    HttpResponse<Buffer> r = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", content)).await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonArray sent = claude.requests().get(0).body().getJsonArray("messages").getJsonObject(0).getJsonArray("content");
    assertThat(sent.getJsonObject(1).getString("type")).isEqualTo("image");
    assertThat(sent.getJsonObject(1).getJsonObject("source").getString("media_type")).isEqualTo("image/png");
    assertThat(sent.getJsonObject(2).getString("text")).contains("ComfyUI's input folder as 'agentx-");
    assertThat(comfy.inputFiles()).hasSize(1);
    assertThat(comfy.inputFiles().values().iterator().next().getBytes()).isEqualTo(png);

    // what the edge refuses: an image type Claude does not read, bad base64, an empty list; nothing is sent upstream
    for (JsonArray bad : List.of(
        new JsonArray().add(new JsonObject().put("type", "image").put("source", new JsonObject().put("type", "base64")
            .put("media_type", "image/tiff").put("data", "AAAA"))),
        new JsonArray().add(new JsonObject().put("type", "image").put("source", new JsonObject().put("type", "base64")
            .put("media_type", "image/png").put("data", "***not base64***"))),
        new JsonArray(),
        new JsonArray().add("just a string"))) {
      HttpResponse<Buffer> refused = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", bad)).await();
      assertThat(refused.statusCode()).as(bad.encode()).isEqualTo(400);
      assertThat(refused.bodyAsJsonObject().getString("error")).contains("content");
    }
    JsonArray huge = new JsonArray().add(new JsonObject().put("type", "image").put("source", new JsonObject().put("type", "base64")
        .put("media_type", "image/png").put("data", java.util.Base64.getEncoder().encodeToString(new byte[2 * 1024 * 1024]))));
    HttpResponse<Buffer> tooBig = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", huge)).await();
    assertThat(tooBig.statusCode()).isEqualTo(413);
    assertThat(tooBig.bodyAsJsonObject().getString("code")).isEqualTo("PAYLOAD_TOO_LARGE");
    assertThat(claude.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("media: a run's output image is served through the runtime; a path outside ComfyUI's folders, an unknown file and a bad type are refused")
  void mediaProxy() throws IOException {
    String id = sessionWithDefaultWorkflow();
    claude.enqueue(Reply.toolUse("Running it.", List.of(new ToolUseSpec("toolu_r", "run_workflow", new JsonObject().put("wait", true)))))
        .enqueue(Reply.text("Done."));
    assertThat(send(id, "run it").statusCode()).isEqualTo(200);
    JsonObject run = new JsonObject(text(toolResultOfLastContinuation(1)));
    JsonObject file = run.getJsonArray("outputs").getJsonObject(0);
    String media = "/api/agentx/sessions/" + id + "/media";
    HttpResponse<Buffer> image = rt.http.get(media).addQueryParam("filename", file.getString("filename"))
        .addQueryParam("subfolder", file.getString("subfolder", "")).addQueryParam("type", file.getString("type", "output")).send().await();
    assertThat(image.statusCode()).isEqualTo(200);
    assertThat(image.getHeader("Content-Type")).isEqualTo("image/png");
    assertThat(image.body().getBytes(0, 8)).isEqualTo(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    for (String[] bad : new String[][] {{"../secret.txt", "output", "400"}, {"a/b.png", "output", "400"}, {"x.png", "models", "400"},
        {"nope.png", "output", "404"}}) {
      HttpResponse<Buffer> r = rt.http.get(media).addQueryParam("filename", bad[0]).addQueryParam("type", bad[1]).send().await();
      assertThat(r.statusCode()).as(String.join(" ", bad)).isEqualTo(Integer.parseInt(bad[2]));
      assertThat(r.bodyAsJsonObject().getString("code")).isNotBlank();
    }
    assertThat(rt.http.get(media).addQueryParam("filename", "x.png").addQueryParam("subfolder", "../../etc").send().await().statusCode())
        .isEqualTo(400);
    assertThat(image.getHeader("Content-Disposition")).as("an image shows inline").isNull();
    assertThat(image.getHeader("Content-Security-Policy")).isEqualTo("sandbox");
  }

  @Test
  @DisplayName("media: a file ComfyUI types as a document (HTML, SVG) or not at all is a sandboxed download, never a page on the runtime's"
      + " origin; a video keeps its type")
  void mediaDocumentsAreDownloads() throws IOException {
    String id = sessionWithDefaultWorkflow();
    String script = "<script>fetch('/api/agentx/sessions')</script>";
    comfy.inputFiles().put("evil.html", Buffer.buffer("<html>" + script + "</html>"));
    comfy.inputFiles().put("evil drawing.svg", Buffer.buffer("<svg xmlns=\"http://www.w3.org/2000/svg\">" + script + "</svg>"));
    comfy.inputFiles().put("notes*été.bin", Buffer.buffer("bytes"));
    comfy.inputFiles().put("clip.mp4", Buffer.buffer("not really a video"));
    String media = "/api/agentx/sessions/" + id + "/media";
    Map<String, String> encoded = Map.of("evil.html", "evil.html", "evil drawing.svg", "evil%20drawing.svg",
        "notes*été.bin", "notes%2A%C3%A9t%C3%A9.bin");
    for (String name : encoded.keySet()) {
      HttpResponse<Buffer> r = rt.http.get(media).addQueryParam("filename", name).addQueryParam("type", "input").send().await();
      assertThat(r.statusCode()).as(name).isEqualTo(200);
      assertThat(r.getHeader("Content-Type")).as(name).isEqualTo("application/octet-stream");
      assertThat(r.getHeader("Content-Disposition")).as(name)
          .isEqualTo("attachment; filename*=UTF-8''" + encoded.get(name));
      assertThat(r.getHeader("Content-Security-Policy")).as(name).isEqualTo("sandbox");
      assertThat(r.getHeader("X-Content-Type-Options")).as(name).isEqualTo("nosniff");
      assertThat(r.bodyAsString()).as("the bytes themselves are unchanged").isEqualTo(comfy.inputFiles().get(name).toString());
    }
    HttpResponse<Buffer> video = rt.http.get(media).addQueryParam("filename", "clip.mp4").addQueryParam("type", "input").send().await();
    assertThat(video.getHeader("Content-Type")).isEqualTo("video/mp4");
    assertThat(video.getHeader("Content-Disposition")).isNull();
  }
}
