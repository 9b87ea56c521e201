package agentx.testing;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake Claude Messages API on 127.0.0.1 (random port). Each {@code POST /v1/messages} is recorded,
 * then checked against the current API's rules ({@link CurrentApiRules}: a thinking budget, a
 * non-default temperature, a prefill... sent to a 5.x model answers 400 {@code invalid_request_error}
 * in the real error shape, without consuming the script); a request it takes consumes the next
 * scripted {@link Reply} (or the default one). SSE replies are written one event per write, like the
 * real API, name the requested model in {@code message_start}, and can be slowed, cut or stalled.
 * Any headers are accepted, so the fake also stands in for a gateway (tests read the recorded ones).
 *
 * <p>Tokens: {@code POST /v1/messages/count_tokens} answers {@code {"input_tokens": N}} by the fake's
 * own deterministic tokenizer ({@link #inputTokens}: characters of the encoded system, tools and
 * messages divided by {@link #charsPerToken}, plus 3 a message), refuses what the real endpoint refuses
 * (400), and can be made missing (404, as behind a gateway without it). A model given a window with
 * {@link #contextWindow} gets "prompt is too long" when a request's tokens (after the server-side
 * clearing below) exceed it. {@code context_management} is refused without the
 * {@code context-management-2025-06-27} beta or for a model the docs do not list for it; with them,
 * {@code clear_tool_uses_20250919} clears old tool results above its trigger, as the API does, and
 * {@code message_delta} reports the {@code applied_edits}.
 */
public final class FakeAnthropic {
  private static final String MESSAGES_PATH = "/v1/messages";
  private static final String COUNT_PATH = "/v1/messages/count_tokens";

  private final Vertx vertx;
  private final Queue<Reply> script = new ConcurrentLinkedQueue<>();
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  private final List<String> refusals = new CopyOnWriteArrayList<>();
  private final AtomicInteger openStreams = new AtomicInteger();
  private final AtomicInteger abortedStreams = new AtomicInteger();
  private final List<AbortWaiter> abortWaiters = new ArrayList<>();
  private volatile Reply defaultReply = Reply.text("Hello from the fake Claude.");
  private final List<RecordedRequest> countRequests = new CopyOnWriteArrayList<>();
  private final Map<String, Long> windows = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile boolean countTokensAvailable = true;
  private volatile long countTokensDelayMs;
  private volatile double charsPerToken = 3.0;
  private volatile JsonObject lastContextManagement;
  private HttpServer server;

  /** One request as the fake received it; {@code body} is null when it was not a JSON object. */
  public record RecordedRequest(String method, String path, MultiMap headers, JsonObject body) {
    public String header(String name) {
      return headers.get(name);
    }
  }

  /** A tool call for {@link Reply#toolUse}. */
  public record ToolUseSpec(String id, String name, JsonObject input) {}

  private record AbortWaiter(int count, Promise<Void> promise) {}

  private FakeAnthropic(Vertx vertx) {
    this.vertx = vertx;
  }

  public static Future<FakeAnthropic> start(Vertx vertx) {
    FakeAnthropic fake = new FakeAnthropic(vertx);
    return vertx.createHttpServer()
        .requestHandler(fake::handle)
        .listen(0, "127.0.0.1")
        .map(server -> {
          fake.server = server;
          return fake;
        });
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** Stops listening and drops open connections (stalled streams included). */
  public Future<Void> close() {
    return server.close();
  }

  /** Scripts the answer to the next request not yet scripted (FIFO). */
  public FakeAnthropic enqueue(Reply reply) {
    script.add(reply);
    return this;
  }

  /** The answer once the script is used up. */
  public FakeAnthropic setDefault(Reply reply) {
    defaultReply = reply;
    return this;
  }

  public List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  public int requestCount() {
    return requests.size();
  }

  /** The {@code count_tokens} requests, in order (not in {@link #requests()}). */
  public List<RecordedRequest> countRequests() {
    return List.copyOf(countRequests);
  }

  /** The {@code context_management} the last response reported (its {@code applied_edits}), or null when none was asked for. */
  public JsonObject lastContextManagement() {
    return lastContextManagement;
  }

  /** Makes {@code count_tokens} answer 404, as a gateway without the endpoint does. */
  public FakeAnthropic countTokensUnavailable() {
    countTokensAvailable = false;
    return this;
  }

  /** Makes {@code count_tokens} answer only after {@code delay}, as a slow API does. */
  public FakeAnthropic countTokensDelay(java.time.Duration delay) {
    countTokensDelayMs = delay.toMillis();
    return this;
  }

  /** The fake tokenizer's characters per token (3 by default; lower = a tokenizer that counts more). */
  public FakeAnthropic charsPerToken(double chars) {
    charsPerToken = chars;
    return this;
  }

  /** Gives {@code model} a context window: a request whose input is larger answers 400 "prompt is too long". */
  public FakeAnthropic contextWindow(String model, long tokens) {
    windows.put(model, tokens);
    return this;
  }

  /** The input tokens of a request (or count request) by the fake's tokenizer, as {@code count_tokens} answers them. */
  public long inputTokens(JsonObject body) {
    long n = 0;
    if (body.getValue("system") != null) {
      n += tokens(io.vertx.core.json.Json.encode(body.getValue("system")));
    }
    if (body.getValue("tools") != null) {
      n += tokens(io.vertx.core.json.Json.encode(body.getValue("tools")));
    }
    for (Object m : body.getJsonArray("messages", new io.vertx.core.json.JsonArray())) {
      n += 3 + tokens(io.vertx.core.json.Json.encode(((JsonObject) m).getValue("content")));
    }
    return n;
  }

  private long tokens(String text) {
    return (long) Math.ceil(text.length() / charsPerToken);
  }

  /** The 400 messages the current API's rules answered, in order: empty when every request was one the API takes. */
  public List<String> refusals() {
    return List.copyOf(refusals);
  }

  /** SSE streams being written or held open right now. */
  public int openStreams() {
    return openStreams.get();
  }

  /** SSE streams whose connection the client closed before the fake had finished them. */
  public int abortedStreams() {
    return abortedStreams.get();
  }

  /** Completes once the client has aborted {@code count} streams in total. */
  public Future<Void> awaitAbortedStreams(int count) {
    synchronized (abortWaiters) {
      if (abortedStreams.get() >= count) {
        return Future.succeededFuture();
      }
      Promise<Void> promise = Promise.promise();
      abortWaiters.add(new AbortWaiter(count, promise));
      return promise.future();
    }
  }

  private void handle(HttpServerRequest request) {
    if (request.method() == HttpMethod.POST && COUNT_PATH.equals(request.path())) {
      countTokens(request);
      return;
    }
    if (request.method() != HttpMethod.POST || !MESSAGES_PATH.equals(request.path())) {
      request.response()
          .setStatusCode(404)
          .putHeader("content-type", "application/json")
          .end(errorBody("not_found_error", "Not found: " + request.path()));
      return;
    }
    request.body().onSuccess(buffer -> {
      JsonObject body = parseOrNull(buffer.toString(StandardCharsets.UTF_8));
      requests.add(new RecordedRequest(
          request.method().name(),
          request.path(),
          MultiMap.caseInsensitiveMultiMap().addAll(request.headers()),
          body));
      Optional<String> refused = CurrentApiRules.refusal(body)
          .or(() -> CurrentApiRules.contextManagementRefusal(body, request.headers().getAll("anthropic-beta")));
      if (refused.isPresent()) {
        refuse(request, buffer.hashCode(), refused.get());
        return;
      }
      JsonObject seen = body.copy(); // what the model sees after server-side clearing; the recorded request stays as sent
      JsonObject applied = clearToolUses(seen);
      Long window = windows.get(body.getString("model"));
      long tokens = inputTokens(seen);
      if (window != null && tokens > window) {
        refuse(request, buffer.hashCode(), "prompt is too long: " + tokens + " tokens > " + window + " maximum"); // observed
        return;
      }
      lastContextManagement = applied;
      Reply reply = script.poll();
      serve(request, reply != null ? reply : defaultReply, body, applied);
    });
  }

  private void refuse(HttpServerRequest request, int seed, String message) {
    refusals.add(message);
    String requestId = "req_fake" + Integer.toHexString(seed);
    request.response().setStatusCode(400)
        .putHeader("content-type", "application/json")
        .putHeader("request-id", requestId)
        .putHeader("x-should-retry", "false")
        .end(new JsonObject(errorBody("invalid_request_error", message)).put("request_id", requestId).encode());
  }

  private void countTokens(HttpServerRequest request) {
    request.body().onSuccess(buffer -> {
      JsonObject body = parseOrNull(buffer.toString(StandardCharsets.UTF_8));
      countRequests.add(new RecordedRequest(request.method().name(), request.path(),
          MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body));
      if (!countTokensAvailable) {
        request.response().setStatusCode(404).putHeader("content-type", "application/json")
            .end(errorBody("not_found_error", "Not found: " + request.path()));
        return;
      }
      Optional<String> refused = CurrentApiRules.countRefusal(body);
      if (refused.isPresent()) {
        refuse(request, buffer.hashCode(), refused.get());
        return;
      }
      String counted = new JsonObject().put("input_tokens", inputTokens(body)).encode();
      if (countTokensDelayMs > 0) {
        vertx.setTimer(countTokensDelayMs, t -> request.response().putHeader("content-type", "application/json").end(counted));
      } else {
        request.response().putHeader("content-type", "application/json").end(counted);
      }
    });
  }

  /**
   * The API's {@code clear_tool_uses_20250919} on the fake's copy of the request: above the trigger,
   * the oldest tool results (all but the last {@code keep}) are replaced by a placeholder. Returns the
   * {@code context_management} the response reports, or null when the request asked for none.
   */
  private JsonObject clearToolUses(JsonObject body) {
    if (!(body.getValue("context_management") instanceof JsonObject cm)) {
      return null;
    }
    io.vertx.core.json.JsonArray applied = new io.vertx.core.json.JsonArray();
    for (Object o : cm.getJsonArray("edits")) {
      JsonObject edit = (JsonObject) o;
      if (!"clear_tool_uses_20250919".equals(edit.getString("type"))) {
        continue;
      }
      long trigger = edit.getJsonObject("trigger", new JsonObject().put("value", 100_000)).getLong("value");
      int keep = edit.getJsonObject("keep", new JsonObject().put("value", 3)).getInteger("value");
      long before = inputTokens(body);
      if (before <= trigger) {
        continue;
      }
      List<JsonObject> results = new ArrayList<>();
      for (Object m : body.getJsonArray("messages")) {
        Object content = ((JsonObject) m).getValue("content");
        if (content instanceof io.vertx.core.json.JsonArray blocks) {
          blocks.stream().map(JsonObject.class::cast).filter(b -> "tool_result".equals(b.getString("type"))).forEach(results::add);
        }
      }
      List<JsonObject> cleared = results.subList(0, Math.max(0, results.size() - keep));
      cleared.forEach(b -> b.put("content", "[tool result cleared]"));
      if (!cleared.isEmpty()) {
        applied.add(new JsonObject().put("type", "clear_tool_uses_20250919").put("cleared_tool_uses", cleared.size())
            .put("cleared_input_tokens", before - inputTokens(body)));
      }
    }
    return new JsonObject().put("applied_edits", applied);
  }

  private void serve(HttpServerRequest request, Reply reply, JsonObject body, JsonObject contextManagement) {
    HttpServerResponse response = request.response().setStatusCode(reply.status);
    reply.headers.forEach(response::putHeader);
    List<String> events = withContextManagement(reply.eventsFor(body), contextManagement);
    if (events == null) {
      response.end(reply.body);
      return;
    }
    openStreams.incrementAndGet();
    AtomicBoolean open = new AtomicBoolean(true);
    AtomicBoolean closedByUs = new AtomicBoolean(false);
    response.closeHandler(v -> {
      if (open.getAndSet(false)) {
        openStreams.decrementAndGet();
        if (!closedByUs.get()) {
          streamAborted();
        }
      }
    });
    response.setChunked(true).writeHead();
    new EventWriter(request, reply, events, open, closedByUs).write(0);
  }

  /** Writes a reply's events one at a time, applying its delay, cut and stall. */
  private final class EventWriter {
    private final HttpServerRequest request;
    private final Reply reply;
    private final List<String> events;
    private final AtomicBoolean open;
    private final AtomicBoolean closedByUs;

    EventWriter(HttpServerRequest request, Reply reply, List<String> events, AtomicBoolean open, AtomicBoolean closedByUs) {
      this.request = request;
      this.reply = reply;
      this.events = events;
      this.open = open;
      this.closedByUs = closedByUs;
    }

    void write(int next) {
      if (!open.get()) {
        return; // the client went away
      }
      if (next == reply.closeAfterEvents) {
        closedByUs.set(true);
        request.connection().close(); // abrupt: no terminating chunk, no message_stop
        return;
      }
      if (next == reply.stallAfterEvents) {
        return; // keep the connection open and say nothing more
      }
      if (next == events.size()) {
        request.response().end();
        if (open.getAndSet(false)) {
          openStreams.decrementAndGet();
        }
        return;
      }
      request.response().write(events.get(next)).onSuccess(v -> {
        long delayMs = reply.delayPerEvent.toMillis();
        if (delayMs > 0) {
          vertx.setTimer(delayMs, id -> write(next + 1));
        } else {
          write(next + 1);
        }
      });
    }
  }

  /** Like the API, {@code message_delta} says what context management did (only when the request asked for it). */
  private static List<String> withContextManagement(List<String> events, JsonObject contextManagement) {
    if (events == null || contextManagement == null) {
      return events;
    }
    List<String> out = new ArrayList<>(events);
    for (int i = 0; i < out.size(); i++) {
      String event = out.get(i);
      int data = event.indexOf("data: ");
      if (event.startsWith("event: message_delta") && data >= 0) {
        JsonObject delta = new JsonObject(event.substring(data + 6).strip()).put("context_management", contextManagement);
        out.set(i, event.substring(0, data) + "data: " + delta.encode() + "\n\n");
      }
    }
    return out;
  }

  private void streamAborted() {
    int total = abortedStreams.incrementAndGet();
    List<Promise<Void>> ready = new ArrayList<>();
    synchronized (abortWaiters) {
      abortWaiters.removeIf(waiter -> {
        if (waiter.count <= total) {
          ready.add(waiter.promise);
          return true;
        }
        return false;
      });
    }
    ready.forEach(Promise::complete);
  }

  private static JsonObject parseOrNull(String text) {
    try {
      return new JsonObject(text);
    } catch (DecodeException e) {
      return null;
    }
  }

  private static String errorBody(String type, String message) {
    return new JsonObject()
        .put("type", "error")
        .put("error", new JsonObject().put("type", type).put("message", message))
        .encode();
  }

  private static String resource(String name) {
    try (InputStream in = FakeAnthropic.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A scripted answer: a status, headers and either a plain body or a list of SSE events. Immutable:
   * the modifiers return a changed copy, so one Reply can serve as default for many requests.
   */
  public static final class Reply {
    private static final String SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8";

    private static final Pattern MODEL_FIELD = Pattern.compile("(\"model\"\\s*:\\s*\")[^\"]*(\")");

    private final int status;
    private final Map<String, String> headers;
    private final List<String> events;
    /** Events that depend on the request (thinking shown or omitted), or null to serve {@code events}. */
    private final Function<JsonObject, List<String>> recipe;
    private final String body;
    private final Duration delayPerEvent;
    private final int closeAfterEvents;
    private final int stallAfterEvents;

    private Reply(int status, Map<String, String> headers, List<String> events, Function<JsonObject, List<String>> recipe, String body,
        Duration delayPerEvent, int closeAfterEvents, int stallAfterEvents) {
      this.status = status;
      this.headers = Map.copyOf(headers);
      this.events = events == null ? null : List.copyOf(events);
      this.recipe = recipe;
      this.body = body;
      this.delayPerEvent = delayPerEvent;
      this.closeAfterEvents = closeAfterEvents;
      this.stallAfterEvents = stallAfterEvents;
    }

    private static Map<String, String> sseHeaders(Object seed) {
      return Map.of(
          "content-type", SSE_CONTENT_TYPE,
          "cache-control", "no-cache",
          "request-id", "req_fake" + Integer.toHexString(seed.hashCode()));
    }

    private static Reply stream(List<String> events) {
      return new Reply(200, sseHeaders(events), events, null, null, Duration.ZERO, -1, -1);
    }

    /** A stream built per request: what the API sends depends on what was asked (thinking on, its display). */
    private static Reply streamFor(Function<JsonObject, List<String>> recipe) {
      return new Reply(200, sseHeaders(recipe), null, recipe, null, Duration.ZERO, -1, -1);
    }

    /**
     * The SSE events for this request (null for a plain body). Like the API, {@code message_start}
     * names the model the request asked for.
     */
    List<String> eventsFor(JsonObject request) {
      List<String> out = recipe != null ? recipe.apply(request == null ? new JsonObject() : request) : events;
      String model = request == null ? null : request.getString("model");
      if (out == null || model == null) {
        return out;
      }
      List<String> named = new ArrayList<>(out);
      for (int i = 0; i < named.size(); i++) {
        if (named.get(i).startsWith("event: message_start")) {
          named.set(i, MODEL_FIELD.matcher(named.get(i)).replaceFirst("$1" + Matcher.quoteReplacement(model) + "$2"));
          break;
        }
      }
      return named;
    }

    /** A transcript file from the classpath folder {@code anthropic/}, served verbatim. */
    public static Reply transcript(String fileName) {
      return sse(resource("anthropic/" + fileName));
    }

    /** A raw SSE body, written one event (up to and including its blank line) per write. */
    public static Reply sse(String rawSseBody) {
      List<String> events = new ArrayList<>();
      for (String event : rawSseBody.split("(?<=\n\n)")) {
        if (!event.isEmpty()) {
          events.add(event);
        }
      }
      return stream(events);
    }

    /**
     * A raw SSE body written in pieces of {@code chars} characters, each its own write (an HTTP chunk of its own), so
     * lines and events arrive cut anywhere, as a network may deliver them. For bodies of single-byte characters.
     */
    public static Reply sseInPieces(String rawSseBody, int chars) {
      List<String> pieces = new ArrayList<>();
      for (int i = 0; i < rawSseBody.length(); i += chars) {
        pieces.add(rawSseBody.substring(i, Math.min(rawSseBody.length(), i + chars)));
      }
      return stream(pieces);
    }

    /** A complete text answer, streamed as several text_delta tokens. */
    public static Reply text(String answer) {
      return stream(SseTranscript.message().text(answer).end("end_turn"));
    }

    /** A text block (skipped when empty) then tool_use blocks; stop reason tool_use. */
    public static Reply toolUse(String text, List<ToolUseSpec> tools) {
      SseTranscript transcript = SseTranscript.message();
      if (text != null && !text.isEmpty()) {
        transcript.text(text);
      }
      tools.forEach(tool -> transcript.toolUse(tool.id(), tool.name(), tool.input()));
      return stream(transcript.end("tool_use"));
    }

    /**
     * An answer of a thinking model: a thinking block with a signature, then the text. As the API
     * does it, the thinking text is streamed only when the request's display asks for it
     * ({@code summarized}; the 5.x models omit it by default and send an empty block with its
     * signature), and there is no thinking block when the request turned thinking off.
     */
    public static Reply thinkingThenText(String thoughts, String answer) {
      return streamFor(request -> thinking(SseTranscript.message(), request, thoughts).text(answer).end("end_turn"));
    }

    /** A thinking block (as {@link #thinkingThenText}), then tool_use blocks; stop reason tool_use. */
    public static Reply thinkingThenToolUse(String thoughts, List<ToolUseSpec> tools) {
      return streamFor(request -> {
        SseTranscript transcript = thinking(SseTranscript.message(), request, thoughts);
        tools.forEach(tool -> transcript.toolUse(tool.id(), tool.name(), tool.input()));
        return transcript.end("tool_use");
      });
    }

    /** The signature the fake gives a thinking block: opaque, and different for different thoughts. */
    public static String signatureOf(String thoughts) {
      return "EqQBCgIYAhIMfake" + Integer.toHexString(thoughts.hashCode()) + "GgxBdjrkzLoky3dl1pk==";
    }

    private static SseTranscript thinking(SseTranscript transcript, JsonObject request, String thoughts) {
      if (!CurrentApiRules.thinks(request)) {
        return transcript;
      }
      return transcript.thinking(CurrentApiRules.showsThinking(request) ? thoughts : "", signatureOf(thoughts));
    }

    /** The error the real API gives for {@code status}, body and headers from http_errors.json. */
    public static Reply httpError(int status) {
      JsonObject fixtures = new JsonObject(resource("anthropic/http_errors.json"));
      JsonObject example = fixtures.getJsonArray("examples").stream()
          .map(JsonObject.class::cast)
          .filter(e -> e.getInteger("status") == status)
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no error fixture for HTTP " + status));
      Map<String, String> headers = new LinkedHashMap<>();
      fixtures.getJsonObject("common_headers").forEach(h -> headers.put(h.getKey(), (String) h.getValue()));
      example.getJsonObject("headers", new JsonObject()).forEach(h -> headers.put(h.getKey(), (String) h.getValue()));
      JsonObject body = example.getJsonObject("body");
      if (body.containsKey("request_id")) {
        headers.put("request-id", body.getString("request_id"));
      }
      return status(status, headers, body.encode());
    }

    /** Any status, headers and body, answered at once. */
    public static Reply status(int status, Map<String, String> headers, String body) {
      return new Reply(status, headers, null, null, body, Duration.ZERO, -1, -1);
    }

    /** Waits this long after each SSE event (slow tokens). */
    public Reply delayPerEvent(Duration delay) {
      return new Reply(status, headers, events, recipe, body, delay, closeAfterEvents, stallAfterEvents);
    }

    /** Drops the connection abruptly after {@code n} SSE events. */
    public Reply closeAfterEvents(int n) {
      return new Reply(status, headers, events, recipe, body, delayPerEvent, n, stallAfterEvents);
    }

    /** Sends {@code n} SSE events, then nothing, keeping the connection open. */
    public Reply stallAfterEvents(int n) {
      return new Reply(status, headers, events, recipe, body, delayPerEvent, closeAfterEvents, n);
    }

    /** The SSE events this reply writes (null for a plain body or a per-request stream). */
    public List<String> events() {
      return events;
    }
  }
}
