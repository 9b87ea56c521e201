package agentx.tools.comfyui;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.Await;
import agentx.testing.FakeComfyUi;
import agentx.testing.Fixtures;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("ComfyUiClient against the fake ComfyUI")
class ComfyUiClientTest {
  private FakeComfyUi fake;
  private ComfyUiClient client;

  @BeforeEach
  void start(Vertx vertx) {
    fake = Await.result(new FakeComfyUi(vertx).start());
    client = new ComfyUiClient(vertx, fake.baseUrl(), Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() {
    Await.result(client.close());
    Await.result(fake.stop());
  }

  @Test
  @DisplayName("object_info is fetched once and cached until refreshObjectInfo")
  void objectInfoIsCached() {
    JsonObject first = Await.result(client.objectInfo());
    Await.result(client.objectInfo());

    assertThat(first.getJsonObject("KSampler")).isNotNull();
    assertThat(fake.count("GET /object_info")).isEqualTo(1);
    Await.result(client.refreshObjectInfo());
    assertThat(fake.count("GET /object_info")).isEqualTo(2);
  }

  @Test
  @DisplayName("the seed max 18446744073709551615 survives parsing of object_info")
  void objectInfoKeepsBigSeedMax() {
    JsonObject info = Await.result(client.objectInfo());
    Object max = info.getJsonObject("KSampler").getJsonObject("input").getJsonObject("required")
        .getJsonArray("seed").getJsonObject(1).getValue("max");

    assertThat(max).hasToString("18446744073709551615");
  }

  @Test
  @DisplayName("object_info of one class, and null for an unknown one")
  void objectInfoOfOneClass() {
    assertThat(Await.result(client.objectInfo("VAEDecode")).getJsonArray("output").getList()).containsExactly("IMAGE");
    assertThat(Await.result(client.objectInfo("NoSuchNode"))).isNull();
  }

  @Test
  @DisplayName("queuePrompt posts {prompt, client_id} and answers prompt_id, number and node_errors")
  void queuePrompt() {
    JsonObject answer = Await.result(client.queuePrompt(Fixtures.defaultWorkflow(), "client-1"));

    assertThat(answer.getString("prompt_id")).isNotBlank();
    assertThat(answer.getValue("number")).isEqualTo(0);
    assertThat(answer.getJsonObject("node_errors").isEmpty()).isTrue();
    JsonObject body = fake.promptBodies().get(0);
    assertThat(body.getString("client_id")).isEqualTo("client-1");
    assertThat(body.getJsonObject("prompt").getJsonObject("3").getString("class_type")).isEqualTo("KSampler");
  }

  @Test
  @DisplayName("a 400 from POST /prompt fails with ComfyUI's error and node_errors in the exception")
  void queuePromptRejected() {
    fake.failNextPromptWith(400, Fixtures.json("prompt_validation_error_400.json"));

    Throwable failure = Await.failure(client.queuePrompt(Fixtures.defaultWorkflow(), "c"), 5);

    assertThat(failure).isInstanceOf(ComfyUiException.class).hasMessageContaining("rejected the workflow")
        .hasMessageContaining("Prompt outputs failed validation");
    ComfyUiException e = (ComfyUiException) failure;
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.body().getJsonObject("node_errors").fieldNames()).containsExactlyInAnyOrder("3", "4");
  }

  @Test
  @DisplayName("a 500 from POST /prompt says the workflow may be in UI format")
  void queuePromptServerError() {
    JsonObject ui = Fixtures.json("default_workflow_ui.json");

    Throwable failure = Await.failure(client.queuePrompt(ui, "c"), 5);

    assertThat(failure).hasMessageContaining("HTTP 500").hasMessageContaining("not in API format");
  }

  @Test
  @DisplayName("progress() delivers the run's JSON messages (binary previews ignored); history appears at the end")
  void progressAndHistory() {
    List<JsonObject> messages = new CopyOnWriteArrayList<>();
    Promise<Void> done = Promise.promise();
    ComfyUiSocket socket = Await.result(client.progress("watcher", m -> {
      messages.add(m);
      JsonObject data = m.getJsonObject("data");
      if ("executing".equals(m.getString("type")) && data.containsKey("node") && data.getValue("node") == null) {
        done.tryComplete();
      }
    }));
    String promptId = Await.result(client.queuePrompt(Fixtures.defaultWorkflow(), "watcher")).getString("prompt_id");
    Await.result(done.future());

    assertThat(messages.get(0).getString("type")).isEqualTo("status");
    assertThat(messages.get(0).getJsonObject("data").getString("sid")).isEqualTo("watcher");
    assertThat(messages).filteredOn(m -> "progress".equals(m.getString("type"))).hasSize(20)
        .allMatch(m -> promptId.equals(m.getJsonObject("data").getString("prompt_id")));
    JsonObject entry = Await.result(client.history(promptId));
    assertThat(entry.getJsonObject("status").getString("status_str")).isEqualTo("success");
    assertThat(Await.result(client.history("unknown-id"))).isNull();
    Await.result(socket.close());
  }

  @Test
  @DisplayName("queue, interrupt and delete act on the fake's running and pending prompts")
  void queueInterruptDelete() {
    fake.holdRuns(true);
    String first = Await.result(client.queuePrompt(Fixtures.defaultWorkflow(), "c")).getString("prompt_id");
    String second = Await.result(client.queuePrompt(Fixtures.defaultWorkflow(), "c")).getString("prompt_id");
    awaitRunning(first);

    JsonObject queue = Await.result(client.queue());
    assertThat(queue.getJsonArray("queue_running").getJsonArray(0).getString(1)).isEqualTo(first);
    assertThat(queue.getJsonArray("queue_pending").getJsonArray(0).getString(1)).isEqualTo(second);

    Await.result(client.deleteFromQueue(List.of(second)));
    assertThat(fake.pendingPromptIds()).doesNotContain(second);
    Await.result(client.interrupt(first));
    JsonObject entry = Await.result(client.history(first));
    assertThat(entry.getJsonObject("status").getString("status_str")).isEqualTo("error");
    assertThat(entry.getJsonObject("status").encode()).contains("execution_interrupted");
  }

  @Test
  @DisplayName("view() returns the output PNG with its content type")
  void viewOutputImage() {
    Promise<Void> done = Promise.promise();
    // History is written just before executing {node: null}, not at execution_success.
    Await.result(client.progress("v", m -> {
      if ("executing".equals(m.getString("type")) && m.getJsonObject("data").getValue("node") == null) {
        done.tryComplete();
      }
    }));
    String id = Await.result(client.queuePrompt(Fixtures.defaultWorkflow(), "v")).getString("prompt_id");
    Await.result(done.future());
    JsonObject image = Await.result(client.history(id)).getJsonObject("outputs").getJsonObject("9")
        .getJsonArray("images").getJsonObject(0);

    ComfyFile file = Await.result(client.view(image.getString("filename"), image.getString("subfolder"),
        image.getString("type")));

    assertThat(file.contentType()).isEqualTo("image/png");
    assertThat(file.bytes().getBytes(0, 4)).containsExactly(0x89, 'P', 'N', 'G');
    assertThat(Await.failure(client.view("nope.png", "", "output"), 5)).hasMessageContaining("HTTP 404");
  }

  @Test
  @DisplayName("uploadImage sends multipart and ComfyUI renames a different file with the same name")
  void uploadImage() {
    JsonObject first = Await.result(client.uploadImage(Buffer.buffer("one"), "cat.png", false));
    JsonObject again = Await.result(client.uploadImage(Buffer.buffer("one"), "cat.png", false));
    JsonObject other = Await.result(client.uploadImage(Buffer.buffer("two"), "cat.png", false));

    assertThat(first.getString("name")).isEqualTo("cat.png");
    assertThat(again.getString("name")).isEqualTo("cat.png");
    assertThat(other.getString("name")).isEqualTo("cat (1).png");
    assertThat(fake.inputFiles().get("cat (1).png").toString()).isEqualTo("two");
  }

  @Test
  @DisplayName("system stats, model folders, model files, 404 for legacy folder names, and the log lines")
  void systemModelsLogs() {
    assertThat(Await.result(client.systemStats()).getJsonObject("system").getString("comfyui_version"))
        .isEqualTo("0.3.64");
    assertThat(Await.result(client.models()).getList()).contains("checkpoints", "text_encoders");
    assertThat(Await.result(client.models("checkpoints")).getList())
        .containsExactly("sd_xl_base_1.0.safetensors", "v1-5-pruned-emaonly-fp16.safetensors");
    Throwable legacy = Await.failure(client.models("clip"), 5);
    assertThat(((ComfyUiException) legacy).status()).isEqualTo(404);
    assertThat(Await.result(client.logs())).anyMatch(l -> l.contains("IMPORT FAILED"));
  }

  @Test
  @DisplayName("a base URL ending in /api/ works and calls the plain routes")
  void baseUrlWithApiSuffix(Vertx vertx) {
    ComfyUiClient api = new ComfyUiClient(vertx, fake.baseUrl() + "/api/", Duration.ofSeconds(5));

    assertThat(api.shownUrl()).isEqualTo(fake.baseUrl());
    assertThat(Await.result(api.systemStats()).containsKey("devices")).isTrue();
    assertThat(fake.requests()).contains("GET /system_stats");
    Await.result(api.close());
  }

  @Test
  @DisplayName("a /view file larger than MAX_VIEW_BYTES is not read into memory: the call fails saying so")
  void viewTooLarge(Vertx vertx) {
    io.vertx.core.buffer.Buffer chunk = io.vertx.core.buffer.Buffer.buffer(new byte[1024 * 1024]);
    io.vertx.core.http.HttpServer big = vertx.createHttpServer().requestHandler(req -> {
      io.vertx.core.http.HttpServerResponse res = req.response().setChunked(true).putHeader("Content-Type", "image/png");
      for (int i = 0; i < 40; i++) {
        res.write(chunk);
      }
      res.end();
    }).listen(0, "127.0.0.1").await();
    ComfyUiClient client = new ComfyUiClient(vertx, "http://127.0.0.1:" + big.actualPort(), Duration.ofSeconds(10));
    Throwable failure = Await.failure(client.view("huge.png", "", "output"), 10);
    assertThat(failure).isInstanceOf(ComfyUiException.class).hasMessageContaining("huge.png").hasMessageContaining("larger than 32 MB");
    Await.result(client.close());
    big.close().await();
  }

  @Test
  @DisplayName("a COMFYUI_URL with a user name and password: no message and no shown URL carries them")
  void credentialsNeverShown(Vertx vertx) {
    ComfyUiClient withCredentials = new ComfyUiClient(vertx, "http://agent:s3cret-pass@127.0.0.1:1", Duration.ofSeconds(2));
    assertThat(withCredentials.shownUrl()).isEqualTo("http://***@127.0.0.1:1");
    Throwable down = Await.failure(withCredentials.systemStats(), 10);
    assertThat(down.getMessage()).contains("http://***@127.0.0.1:1").doesNotContain("s3cret");
    Await.result(withCredentials.close());
  }

  @Test
  @DisplayName("ComfyUI down: calls fail within seconds naming ComfyUI and its URL, and 'connection refused'")
  void comfyUiDown() {
    Await.result(fake.stop());
    long started = System.nanoTime();

    Throwable failure = Await.failure(client.objectInfo(), 10);
    Throwable wsFailure = Await.failure(client.progress("x", m -> {}), 10);

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    // a keep-alive connection pooled before the stop dies first; the client sends the GET once more and learns the truth
    assertThat(failure).isInstanceOf(ComfyUiException.class)
        .hasMessage("ComfyUI at " + fake.baseUrl() + " is not reachable: connection refused");
    assertThat(wsFailure).hasMessageContaining("ComfyUI at " + fake.baseUrl()).hasMessageContaining("not reachable");
    assertThat(((ComfyUiException) failure).unreachable()).isTrue();
  }

  @Test
  @DisplayName("slow ComfyUI: calls and the websocket handshake fail by the client timeout, not later")
  void slowComfyUi(Vertx vertx) {
    fake.delayEveryAnswer(Duration.ofSeconds(5));
    ComfyUiClient impatient = new ComfyUiClient(vertx, fake.baseUrl(), Duration.ofMillis(600));
    long started = System.nanoTime();

    Throwable http = Await.failure(impatient.queue(), 10);
    Throwable ws = Await.failure(impatient.progress("slow", m -> {}), 10);

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(3000));
    assertThat(http).hasMessage("ComfyUI at " + fake.baseUrl() + " did not answer GET /queue within 0.6 s;"
        + " it may be busy or stuck");
    assertThat(ws).hasMessageContaining("did not answer the /ws connection");
    Await.result(impatient.close());
  }

  private void awaitRunning(String promptId) {
    long deadline = System.currentTimeMillis() + 5000;
    while (!promptId.equals(fake.runningPromptId()) && System.currentTimeMillis() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(fake.runningPromptId()).isEqualTo(promptId);
  }
}
