package agentx.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.imageio.ImageIO;

/**
 * A fake ComfyUI (v0.3.64 routes) on a real HTTP server at 127.0.0.1, port 0, answering from the
 * fixtures in src/test/resources/comfyui. It keeps a real queue: POST /prompt queues a run, the
 * run replays ws_messages_success.jsonl or ws_messages_execution_error.jsonl to the socket of its
 * client_id (prompt ids rewritten), writes /history before the final {@code executing {node:null}},
 * then the next pending prompt starts. It never validates workflows itself beyond ComfyUI's first
 * checks (class_type present and known): tests script rejections with {@link #failNextPromptWith}.
 *
 * <p>Faults: {@link #delayEveryAnswer} (slow server), {@link #stop} (server down),
 * {@link #holdRuns} (runs stay running until interrupted or released), {@link #wsMessageDelay}.
 * Every request is recorded as "METHOD /path" in {@link #requests}.
 */
public final class FakeComfyUi {
  public enum Outcome { SUCCESS, EXECUTION_ERROR }

  /** The prompt id and file name used in the fixtures; rewritten for every run. */
  private static final String FIXTURE_PROMPT_ID = "0d6c1f4e-8a53-4c0b-9a51-5f3e2b7c9d10";
  private static final String FIXTURE_IMAGE = "ComfyUI_00001_.png";

  private final Vertx vertx;
  private final JsonObject objectInfo = Fixtures.objectInfo();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final List<JsonObject> promptBodies = new CopyOnWriteArrayList<>();
  private final Map<String, ServerWebSocket> sockets = new ConcurrentHashMap<>();
  private final Map<String, Buffer> inputFiles = new ConcurrentHashMap<>();
  private final Map<String, JsonObject> history = new LinkedHashMap<>();
  private final Deque<Run> pending = new ArrayDeque<>();
  private final Deque<Outcome> scriptedOutcomes = new ArrayDeque<>();
  private final Deque<JsonObject[]> scriptedRejections = new ArrayDeque<>();
  private HttpServer server;
  private int port;
  private Run running;
  private int counter;
  private int imageCounter;
  private volatile long answerDelayMs;
  private volatile long wsDelayMs = 1;
  private volatile boolean holdRuns;
  private volatile int imageWidth = 64;
  private volatile int imageHeight = 48;
  private final List<java.util.function.Consumer<Router>> extraRoutes = new CopyOnWriteArrayList<>();

  /** One queued prompt. */
  private final class Run {
    final String promptId;
    final int number;
    final JsonObject prompt;
    final String clientId;
    final Outcome outcome;
    final String imageName;
    final List<String> messages;
    int next;
    String currentNode;
    boolean interrupted;
    boolean paused;

    Run(String promptId, int number, JsonObject prompt, String clientId, Outcome outcome) {
      this.promptId = promptId;
      this.number = number;
      this.prompt = prompt;
      this.clientId = clientId;
      this.outcome = outcome;
      this.imageName = String.format("ComfyUI_%05d_.png", ++imageCounter);
      String file = outcome == Outcome.SUCCESS ? "ws_messages_success.jsonl" : "ws_messages_execution_error.jsonl";
      List<String> lines = new ArrayList<>();
      for (String line : Fixtures.jsonLines(file)) {
        JsonObject message = new JsonObject(line);
        JsonObject data = message.getJsonObject("data", new JsonObject());
        // The connect handshake (status with sid, feature_flags) is sent when a socket connects, not per run.
        if ("feature_flags".equals(message.getString("type")) || data.containsKey("sid")) {
          continue;
        }
        lines.add(rewrite(line));
      }
      this.messages = lines;
    }

    String rewrite(String text) {
      return text.replace(FIXTURE_PROMPT_ID, promptId).replace(FIXTURE_IMAGE, imageName);
    }

    JsonArray queueItem() {
      JsonArray outputs = new JsonArray();
      prompt.forEach(e -> {
        if (e.getValue() instanceof JsonObject node
            && Boolean.TRUE.equals(objectInfo.getJsonObject(node.getString("class_type"), new JsonObject())
                .getValue("output_node"))) {
          outputs.add(e.getKey());
        }
      });
      return new JsonArray().add(number).add(promptId).add(prompt).add(new JsonObject().put("client_id", clientId))
          .add(outputs);
    }
  }

  public FakeComfyUi(Vertx vertx) {
    this.vertx = vertx;
  }

  // ---------------------------------------------------------------- lifecycle

  public Future<FakeComfyUi> start() {
    Router router = Router.router(vertx);
    router.route().handler(ctx -> {
      requests.add(ctx.request().method() + " " + ctx.request().path());
      ctx.next();
    });
    extraRoutes.forEach(routes -> routes.accept(router));
    for (String prefix : List.of("", "/api")) {
      router.get(prefix + "/ws").handler(this::webSocket);
    }
    router.route().handler(BodyHandler.create(tempDir()).setDeleteUploadedFilesOnEnd(true));
    router.route().handler(ctx -> {
      if (answerDelayMs > 0) {
        vertx.setTimer(answerDelayMs, t -> ctx.next());
      } else {
        ctx.next();
      }
    });
    for (String prefix : List.of("", "/api")) {
      router.get(prefix + "/object_info").handler(ctx -> json(ctx, 200, objectInfo));
      router.get(prefix + "/object_info/:cls").handler(this::objectInfoOf);
      router.post(prefix + "/prompt").handler(this::postPrompt);
      router.get(prefix + "/prompt").handler(ctx -> json(ctx, 200, new JsonObject().put("exec_info",
          new JsonObject().put("queue_remaining", queueRemaining()))));
      router.get(prefix + "/queue").handler(this::getQueue);
      router.post(prefix + "/queue").handler(this::postQueue);
      router.post(prefix + "/interrupt").handler(this::postInterrupt);
      router.get(prefix + "/history").handler(ctx -> json(ctx, 200, historySnapshot()));
      router.get(prefix + "/history/:id").handler(this::historyOf);
      router.get(prefix + "/view").handler(this::view);
      router.post(prefix + "/upload/image").handler(this::uploadImage);
      router.get(prefix + "/system_stats").handler(ctx -> json(ctx, 200, Fixtures.json("system_stats_example.json")));
      router.get(prefix + "/models").handler(ctx -> json(ctx, 200, misc("GET /models")));
      router.get(prefix + "/models/:folder").handler(this::modelsIn);
    }
    // /internal is a sub-app in ComfyUI: no /api alias.
    router.get("/internal/logs").handler(ctx -> json(ctx, 200, String.join("", logLines())));
    router.get("/internal/logs/raw").handler(this::rawLogs);
    return vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").map(s -> {
      server = s;
      port = s.actualPort();
      return this;
    });
  }

  /** More routes on the same server, before ComfyUI's own (e.g. the web frontend a browser test loads); call before {@link #start}. */
  public FakeComfyUi withRoutes(java.util.function.Consumer<Router> routes) {
    extraRoutes.add(routes);
    return this;
  }

  /** ComfyUI down: the port stops answering (connection refused). */
  public Future<Void> stop() {
    sockets.values().forEach(ws -> ws.close());
    return server == null ? Future.succeededFuture() : server.close();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  // ---------------------------------------------------------------- scripting

  /** Slow ComfyUI: every HTTP answer (and the WebSocket handshake) waits this long. */
  public FakeComfyUi delayEveryAnswer(Duration delay) {
    this.answerDelayMs = delay.toMillis();
    return this;
  }

  public FakeComfyUi wsMessageDelay(Duration delay) {
    this.wsDelayMs = Math.max(1, delay.toMillis());
    return this;
  }

  /** The next POST /prompt answers this status and body (e.g. 400 with {error, node_errors}). */
  public synchronized FakeComfyUi failNextPromptWith(int status, JsonObject body) {
    scriptedRejections.add(new JsonObject[] {new JsonObject().put("status", status), body});
    return this;
  }

  /** Outcome of the next queued run (default success). */
  public synchronized FakeComfyUi nextRunOutcome(Outcome outcome) {
    scriptedOutcomes.add(outcome);
    return this;
  }

  /** Held runs stop after their first sampler progress and stay running until interrupted or released. */
  public synchronized FakeComfyUi holdRuns(boolean hold) {
    this.holdRuns = hold;
    if (!hold && running != null && running.paused) {
      running.paused = false;
      vertx.runOnContext(v -> step(running));
    }
    return this;
  }

  /** Size of the PNG served for output files. */
  public FakeComfyUi outputImageSize(int width, int height) {
    this.imageWidth = width;
    this.imageHeight = height;
    return this;
  }

  // ---------------------------------------------------------------- observation

  public List<String> requests() {
    return requests;
  }

  public long count(String methodAndPath) {
    return requests.stream().filter(methodAndPath::equals).count();
  }

  public List<JsonObject> promptBodies() {
    return promptBodies;
  }

  public Map<String, Buffer> inputFiles() {
    return inputFiles;
  }

  public synchronized String runningPromptId() {
    return running == null ? null : running.promptId;
  }

  public synchronized List<String> pendingPromptIds() {
    List<String> ids = new ArrayList<>();
    pending.forEach(r -> ids.add(r.promptId));
    return ids;
  }

  // ---------------------------------------------------------------- routes

  private void objectInfoOf(RoutingContext ctx) {
    String cls = ctx.pathParam("cls");
    JsonObject info = objectInfo.getJsonObject(cls);
    json(ctx, 200, info == null ? new JsonObject() : new JsonObject().put(cls, info));
  }

  private void postPrompt(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      serverError(ctx);
      return;
    }
    if (body == null) {
      serverError(ctx);
      return;
    }
    promptBodies.add(body);
    if (!(body.getValue("prompt") instanceof JsonObject prompt)) {
      json(ctx, 400, Fixtures.json("prompt_errors_catalog.json").getJsonObject("no_prompt").getJsonObject("body"));
      return;
    }
    JsonObject[] rejection;
    synchronized (this) {
      rejection = scriptedRejections.poll();
    }
    if (rejection != null) {
      json(ctx, rejection[0].getInteger("status"), rejection[1]);
      return;
    }
    for (String id : prompt.fieldNames()) {
      if (!(prompt.getValue(id) instanceof JsonObject node)) {
        serverError(ctx); // what ComfyUI does with UI-format JSON: TypeError inside the handler
        return;
      }
      String cls = node.getString("class_type");
      if (cls == null || !objectInfo.containsKey(cls)) {
        json(ctx, 400, new JsonObject()
            .put("error", new JsonObject().put("type", "invalid_prompt")
                .put("message", cls == null ? "Cannot execute because a node is missing the class_type property."
                    : "Cannot execute because node " + cls + " does not exist.")
                .put("details", "Node ID '#" + id + "'").put("extra_info", new JsonObject()))
            .put("node_errors", new JsonObject()));
        return;
      }
    }
    Run run;
    synchronized (this) {
      Outcome outcome = scriptedOutcomes.isEmpty() ? Outcome.SUCCESS : scriptedOutcomes.poll();
      // ComfyUI's server.py: prompt_id = str(json_data.get("prompt_id", uuid.uuid4())) — a client may choose it
      Object chosen = body.getValue("prompt_id");
      run = new Run(chosen != null ? String.valueOf(chosen) : UUID.randomUUID().toString(), counter++, prompt, body.getString("client_id"),
          outcome);
      pending.add(run);
    }
    json(ctx, 200, new JsonObject().put("prompt_id", run.promptId).put("number", run.number)
        .put("node_errors", new JsonObject()));
    broadcastStatus();
    vertx.setTimer(wsDelayMs, t -> startNext());
  }

  private void getQueue(RoutingContext ctx) {
    JsonArray runningItems = new JsonArray();
    JsonArray pendingItems = new JsonArray();
    synchronized (this) {
      if (running != null) {
        runningItems.add(running.queueItem());
      }
      pending.forEach(r -> pendingItems.add(r.queueItem()));
    }
    json(ctx, 200, new JsonObject().put("queue_running", runningItems).put("queue_pending", pendingItems));
  }

  private void postQueue(RoutingContext ctx) {
    JsonObject body = ctx.body().asJsonObject();
    synchronized (this) {
      if (body != null && body.getValue("delete") instanceof JsonArray ids) {
        pending.removeIf(r -> ids.contains(r.promptId));
      }
      if (body != null && Boolean.TRUE.equals(body.getValue("clear"))) {
        pending.clear();
      }
    }
    broadcastStatus();
    ctx.response().setStatusCode(200).end();
  }

  private void postInterrupt(RoutingContext ctx) {
    JsonObject body = null;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException ignored) {
      // ComfyUI allows an empty or invalid body
    }
    String target = body == null ? null : body.getString("prompt_id");
    Run toStop;
    synchronized (this) {
      toStop = running != null && (target == null || target.equals(running.promptId)) ? running : null;
      if (toStop != null) {
        toStop.interrupted = true;
      }
    }
    if (toStop != null) {
      finishInterrupted(toStop);
    }
    ctx.response().setStatusCode(200).end();
  }

  private void historyOf(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    JsonObject entry;
    synchronized (this) {
      entry = history.get(id);
    }
    json(ctx, 200, entry == null ? new JsonObject() : new JsonObject().put(id, entry));
  }

  private synchronized JsonObject historySnapshot() {
    JsonObject all = new JsonObject();
    history.forEach(all::put);
    return all;
  }

  private void view(RoutingContext ctx) {
    String filename = ctx.queryParams().get("filename");
    String type = ctx.queryParams().get("type") == null ? "output" : ctx.queryParams().get("type");
    if (filename == null) {
      ctx.response().setStatusCode(404).end();
      return;
    }
    if (filename.startsWith("/") || filename.contains("..")) {
      ctx.response().setStatusCode(400).end();
      return;
    }
    boolean input = "input".equals(type);
    Buffer bytes = input ? inputFiles.get(filename) : knownOutput(filename) ? png() : null;
    if (bytes == null) {
      ctx.response().setStatusCode(404).end();
      return;
    }
    // ComfyUI types a file by its name (Python's mimetypes), whatever is in it
    ctx.response().putHeader("Content-Type", input ? typeByName(filename) : "image/png")
        .putHeader("Content-Disposition", "filename=\"" + filename + "\"").end(bytes);
  }

  private static String typeByName(String filename) {
    String ext = filename.substring(filename.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT);
    return switch (ext) {
      case "png" -> "image/png";
      case "jpg", "jpeg" -> "image/jpeg";
      case "webp" -> "image/webp";
      case "gif" -> "image/gif";
      case "svg" -> "image/svg+xml";
      case "html", "htm" -> "text/html";
      case "mp4" -> "video/mp4";
      case "wav" -> "audio/x-wav";
      default -> "application/octet-stream";
    };
  }

  private synchronized boolean knownOutput(String filename) {
    return history.values().stream().anyMatch(entry -> entry.encode().contains("\"" + filename + "\""));
  }

  private void uploadImage(RoutingContext ctx) {
    FileUpload image = ctx.fileUploads().stream().filter(f -> "image".equals(f.name())).findFirst().orElse(null);
    if (image == null || image.fileName() == null || image.fileName().isBlank()) {
      ctx.response().setStatusCode(400).end();
      return;
    }
    Buffer bytes = vertx.fileSystem().readFileBlocking(image.uploadedFileName());
    boolean overwrite = List.of("true", "1").contains(String.valueOf(ctx.request().getFormAttribute("overwrite")));
    String name = image.fileName();
    // ComfyUI keeps an identical file's name and numbers a different one: "cat (1).png".
    if (!overwrite) {
      String base = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
      String ext = name.contains(".") ? name.substring(name.lastIndexOf('.')) : "";
      for (int i = 1; inputFiles.containsKey(name) && !inputFiles.get(name).equals(bytes); i++) {
        name = base + " (" + i + ")" + ext;
      }
    }
    inputFiles.put(name, bytes);
    json(ctx, 200, new JsonObject().put("name", name).put("subfolder", "").put("type", "input"));
  }

  private void modelsIn(RoutingContext ctx) {
    String folder = ctx.pathParam("folder");
    JsonArray folders = (JsonArray) misc("GET /models");
    if (!folders.contains(folder)) {
      ctx.response().setStatusCode(404).end(); // also the legacy names clip and unet
      return;
    }
    Object files = Fixtures.json("misc_endpoint_examples.json").getValue("GET /models/" + folder);
    json(ctx, 200, files instanceof JsonArray list ? list : new JsonArray());
  }

  private void rawLogs(RoutingContext ctx) {
    JsonArray entries = new JsonArray();
    logLines().forEach(line -> entries.add(new JsonObject().put("t", "2025-10-12T10:00:00.000000").put("m", line)));
    json(ctx, 200, new JsonObject().put("entries", entries)
        .put("size", new JsonObject().put("cols", 120).put("rows", 40)));
  }

  private static List<String> logLines() {
    return List.of(
        "Starting server\n",
        "Cannot import /ComfyUI/custom_nodes/ComfyUI-Broken module for custom nodes: No module named 'dotenv'\n",
        "\nImport times for custom nodes:\n",
        "   0.0 seconds: /ComfyUI/custom_nodes/websocket_image_save.py\n",
        "   0.3 seconds (IMPORT FAILED): /ComfyUI/custom_nodes/ComfyUI-Broken\n",
        "\nTo see the GUI go to: http://127.0.0.1:8188\n");
  }

  // ---------------------------------------------------------------- websocket and runs

  private void webSocket(RoutingContext ctx) {
    String clientId = ctx.queryParams().get("clientId") == null ? UUID.randomUUID().toString().replace("-", "")
        : ctx.queryParams().get("clientId");
    Runnable upgrade = () -> ctx.request().toWebSocket().onSuccess(ws -> {
      ServerWebSocket previous = sockets.put(clientId, ws);
      if (previous != null) {
        previous.close();
      }
      ws.closeHandler(v -> sockets.remove(clientId, ws));
      ws.writeTextMessage(new JsonObject().put("type", "status").put("data", new JsonObject()
          .put("status", new JsonObject().put("exec_info", new JsonObject().put("queue_remaining", queueRemaining())))
          .put("sid", clientId)).encode());
    });
    if (answerDelayMs > 0) {
      vertx.setTimer(answerDelayMs, t -> upgrade.run());
    } else {
      upgrade.run();
    }
  }

  private void startNext() {
    Run run;
    synchronized (this) {
      if (running != null || pending.isEmpty()) {
        return;
      }
      run = pending.poll();
      running = run;
    }
    step(run);
  }

  /** Sends the run's next message, then schedules the one after; history is written before executing{null}. */
  private void step(Run run) {
    synchronized (this) {
      if (run.interrupted || run.next >= run.messages.size()) {
        return;
      }
      if (holdRuns && run.next > 0 && run.messages.get(run.next - 1).contains("\"type\": \"progress\"")) {
        run.paused = true;
        return;
      }
    }
    String line = run.messages.get(run.next++);
    JsonObject message = new JsonObject(line);
    String type = message.getString("type");
    JsonObject data = message.getJsonObject("data", new JsonObject());
    if ("executing".equals(type) && data.containsKey("node") && data.getValue("node") == null) {
      writeHistory(run, run.outcome == Outcome.SUCCESS ? "history_entry_success.json"
          : "history_entry_execution_error.json", null);
      endRun(run);
    }
    if ("executing".equals(type) && data.getValue("node") != null) {
      run.currentNode = data.getString("node");
    }
    if ("status".equals(type)) {
      broadcastStatus();
    } else {
      sendTo(run.clientId, line);
    }
    if ("progress".equals(type)) {
      sendPreviewFrame(run.clientId);
    }
    vertx.setTimer(wsDelayMs, t -> step(run));
  }

  private void finishInterrupted(Run run) {
    JsonObject event = new JsonObject().put("prompt_id", run.promptId).put("node_id", run.currentNode)
        .put("node_type", run.currentNode == null ? null
            : run.prompt.getJsonObject(run.currentNode, new JsonObject()).getString("class_type"))
        .put("executed", new JsonArray()).put("timestamp", System.currentTimeMillis());
    sendTo(run.clientId, new JsonObject().put("type", "execution_interrupted").put("data", event).encode());
    writeHistory(run, "history_entry_success.json", event);
    endRun(run);
    broadcastStatus();
    sendTo(run.clientId, new JsonObject().put("type", "executing")
        .put("data", new JsonObject().putNull("node").put("prompt_id", run.promptId)).encode());
  }

  private void endRun(Run run) {
    synchronized (this) {
      if (running == run) {
        running = null;
      }
    }
    vertx.setTimer(wsDelayMs, t -> startNext());
  }

  /** The fixture entry with this run's id, prompt and file name; an interrupt replaces its status. */
  private void writeHistory(Run run, String fixture, JsonObject interruptedEvent) {
    JsonObject fixtureEntry = Fixtures.json(fixture).getJsonObject(FIXTURE_PROMPT_ID);
    JsonObject entry = new JsonObject(run.rewrite(fixtureEntry.encode()));
    JsonArray item = run.queueItem();
    entry.put("prompt", item);
    if (interruptedEvent != null) {
      entry.put("outputs", new JsonObject());
      entry.put("status", new JsonObject().put("status_str", "error").put("completed", false)
          .put("messages", new JsonArray()
              .add(new JsonArray().add("execution_start").add(new JsonObject().put("prompt_id", run.promptId)))
              .add(new JsonArray().add("execution_interrupted").add(interruptedEvent))));
    }
    synchronized (this) {
      history.put(run.promptId, entry);
    }
  }

  private void sendTo(String clientId, String text) {
    ServerWebSocket ws = clientId == null ? null : sockets.get(clientId);
    if (ws != null && !ws.isClosed()) {
      ws.writeTextMessage(text);
    }
  }

  /** A latent preview: 4-byte type 1 (PREVIEW_IMAGE), 4-byte format 2 (PNG), then the image. Clients ignore it. */
  private void sendPreviewFrame(String clientId) {
    ServerWebSocket ws = clientId == null ? null : sockets.get(clientId);
    if (ws != null && !ws.isClosed()) {
      ws.writeBinaryMessage(Buffer.buffer().appendInt(1).appendInt(2).appendBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G'}));
    }
  }

  private void broadcastStatus() {
    String status = new JsonObject().put("type", "status").put("data", new JsonObject().put("status",
        new JsonObject().put("exec_info", new JsonObject().put("queue_remaining", queueRemaining())))).encode();
    sockets.values().forEach(ws -> {
      if (!ws.isClosed()) {
        ws.writeTextMessage(status);
      }
    });
  }

  private synchronized int queueRemaining() {
    return pending.size() + (running == null ? 0 : 1);
  }

  // ---------------------------------------------------------------- helpers

  private Buffer png() {
    BufferedImage image = new BufferedImage(imageWidth, imageHeight, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setPaint(new GradientPaint(0, 0, Color.ORANGE, imageWidth, imageHeight, Color.BLUE));
    g.fillRect(0, 0, imageWidth, imageHeight);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(out.toByteArray());
  }

  private static Object misc(String key) {
    return Fixtures.json("misc_endpoint_examples.json").getValue(key);
  }

  private static void json(RoutingContext ctx, int status, Object body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
        .end(Json.encode(body));
  }

  /** aiohttp's default 500 page (text/plain), as ComfyUI answers malformed or UI-format bodies. */
  private static void serverError(RoutingContext ctx) {
    ctx.response().setStatusCode(500).putHeader("Content-Type", "text/plain; charset=utf-8")
        .end("500 Internal Server Error\n\nServer got itself in trouble");
  }

  private static String tempDir() {
    try {
      // uploads are deleted as each request ends: the directory is empty when the tests' JVM exits
      Path dir = Files.createTempDirectory("fake-comfyui-uploads");
      dir.toFile().deleteOnExit();
      return dir.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
