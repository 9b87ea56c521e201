package agentx.engine.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.engine.anthropic.AnthropicException.Kind;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.RecordedRequest;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.FakeAnthropic.ToolUseSpec;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The client against {@link FakeAnthropic}. Results are awaited from the JUnit thread (allowed off
 * the event loop in Vert.x 5), which keeps each scenario readable top to bottom.
 */
@ExtendWith(VertxExtension.class)
class AnthropicClientTest {
  private static final String API_KEY = "sk-ant-test-0123456789";
  private static final JsonObject REQUEST = new JsonObject()
      .put("model", "claude-sonnet-4-5-20250929")
      .put("max_tokens", 1024)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Hello")));

  private Vertx vertx;
  private FakeAnthropic fake;
  private AnthropicClient client;
  private final List<AnthropicClient> clients = new ArrayList<>();

  /** Records what the client reports; callbacks come from an event loop, assertions from JUnit. */
  private static class Recorder implements StreamListener {
    final List<String> textDeltas = new CopyOnWriteArrayList<>();
    final List<String> toolStarts = new CopyOnWriteArrayList<>();
    final List<String> retries = new CopyOnWriteArrayList<>();
    final List<Long> retryDelays = new CopyOnWriteArrayList<>();
    final AtomicInteger firstBytes = new AtomicInteger();
    final AtomicInteger messageStarts = new AtomicInteger();

    @Override
    public void onTextDelta(String text) {
      textDeltas.add(text);
    }

    @Override
    public void onToolUseStart(String id, String name) {
      toolStarts.add(id + ":" + name);
    }

    @Override
    public void onMessageStart(JsonObject message) {
      messageStarts.incrementAndGet();
    }

    @Override
    public void onRetry(int attempt, int maxRetries, long delayMs, String reason) {
      retries.add(attempt + "/" + maxRetries + " " + reason);
      retryDelays.add(delayMs);
    }

    @Override
    public void onFirstByte() {
      firstBytes.incrementAndGet();
    }

    String text() {
      return String.join("", textDeltas);
    }
  }

  @BeforeEach
  void startFake(Vertx vertx) throws Exception {
    this.vertx = vertx;
    fake = FakeAnthropic.start(vertx).await(5, TimeUnit.SECONDS);
    client = newClient(options());
  }

  @AfterEach
  void stop() throws Exception {
    for (AnthropicClient each : clients) {
      each.close().await(5, TimeUnit.SECONDS);
    }
    fake.close().await(5, TimeUnit.SECONDS);
  }

  private AnthropicOptions options() {
    return AnthropicOptions.of(fake.baseUrl(), API_KEY).withRetries(2, 10, 50).withIdleTimeoutMs(5_000);
  }

  /** A client that {@link #stop()} closes. */
  private AnthropicClient newClient(AnthropicOptions options) {
    AnthropicClient created = new AnthropicClient(vertx, options);
    clients.add(created);
    return created;
  }

  private static JsonObject await(Future<JsonObject> result) throws Exception {
    return result.await(10, TimeUnit.SECONDS);
  }

  private static AnthropicException awaitFailure(Future<?> result) throws Exception {
    AsyncResult<?> outcome = result.<AsyncResult<?>>transform(Future::succeededFuture).await(10, TimeUnit.SECONDS);
    assertThat(outcome.succeeded()).as("the call should have failed").isFalse();
    assertThat(outcome.cause()).isInstanceOf(AnthropicException.class);
    return (AnthropicException) outcome.cause();
  }

  @Test
  @DisplayName("the text transcript streams: deltas concatenate to the answer, the result is the full message")
  void streamsText() throws Exception {
    fake.enqueue(Reply.transcript("sse_text.sse"));
    Recorder recorder = new Recorder();

    JsonObject message = await(client.stream(REQUEST, recorder).result());

    assertThat(recorder.text()).isEqualTo("Hello!");
    assertThat(recorder.textDeltas).containsExactly("Hello", "!");
    assertThat(recorder.firstBytes).hasValue(1);
    assertThat(recorder.messageStarts).hasValue(1);
    assertThat(message.getString("id")).isEqualTo("msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY");
    assertThat(message.getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("Hello!");
    assertThat(message.getString("stop_reason")).isEqualTo("end_turn");
    assertThat(message.getJsonObject("usage").getInteger("output_tokens")).isEqualTo(15);
  }

  @Test
  @DisplayName("the request is POST /v1/messages with stream:true, the API key and version headers")
  void requestShape() throws Exception {
    fake.enqueue(Reply.text("Fine."));

    await(client.stream(REQUEST, new Recorder()).result());

    assertThat(fake.requestCount()).isEqualTo(1);
    RecordedRequest request = fake.requests().get(0);
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo("/v1/messages");
    assertThat(request.header("x-api-key")).isEqualTo(API_KEY);
    assertThat(request.header("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(request.header("content-type")).isEqualTo("application/json");
    assertThat(request.header("accept")).isEqualTo("text/event-stream");
    assertThat(request.body()).isEqualTo(REQUEST.copy().put("stream", true));
    assertThat(REQUEST.containsKey("stream")).as("the caller's body is not modified").isFalse();
  }

  @Test
  @DisplayName("a generated answer arrives as several deltas and tool calls come back parsed")
  void generatedReplies() throws Exception {
    String answer = "The quick brown fox jumps over the lazy dog.";
    fake.enqueue(Reply.text(answer));
    JsonObject input = new JsonObject().put("workflow", new JsonObject().put("3", new JsonObject().put("seed", 42)));
    fake.enqueue(Reply.toolUse("Let me look.", List.of(
        new ToolUseSpec("toolu_a", "get_workflow", new JsonObject()),
        new ToolUseSpec("toolu_b", "set_workflow", input))));
    Recorder textRecorder = new Recorder();
    Recorder toolRecorder = new Recorder();

    JsonObject text = await(client.stream(REQUEST, textRecorder).result());
    JsonObject tools = await(client.stream(REQUEST, toolRecorder).result());

    assertThat(textRecorder.textDeltas).hasSizeGreaterThan(3);
    assertThat(textRecorder.text()).isEqualTo(answer);
    assertThat(text.getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo(answer);
    assertThat(tools.getString("stop_reason")).isEqualTo("tool_use");
    assertThat(tools.getJsonArray("content").getJsonObject(1).getJsonObject("input")).isEqualTo(new JsonObject());
    assertThat(tools.getJsonArray("content").getJsonObject(2).getJsonObject("input")).isEqualTo(input);
    assertThat(toolRecorder.toolStarts).containsExactly("toolu_a:get_workflow", "toolu_b:set_workflow");
  }

  @Test
  @DisplayName("529 overloaded, then success: one onRetry, then the answer")
  void retriesOverloaded() throws Exception {
    fake.enqueue(Reply.httpError(529)).enqueue(Reply.transcript("sse_text.sse"));
    Recorder recorder = new Recorder();

    JsonObject message = await(client.stream(REQUEST, recorder).result());

    assertThat(message.getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("Hello!");
    assertThat(fake.requestCount()).isEqualTo(2);
    assertThat(recorder.retries).hasSize(1);
    assertThat(recorder.retries.get(0)).startsWith("1/2 ").contains("529").contains("Overloaded");
    assertThat(recorder.retryDelays.get(0)).isBetween(7L, 10L); // base 10 ms less jitter
  }

  @Test
  @DisplayName("429 with retry-after-ms: the retry waits the time the server asked for")
  void honoursRetryAfter() throws Exception {
    fake.enqueue(Reply.status(429, Map.of("content-type", "application/json", "retry-after-ms", "300"),
            "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Number of requests has exceeded your rate limit\"}}"))
        .enqueue(Reply.text("Done waiting."));
    Recorder recorder = new Recorder();
    long start = System.nanoTime();

    await(client.stream(REQUEST, recorder).result());

    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(300);
    assertThat(recorder.retryDelays).containsExactly(300L);
    assertThat(recorder.text()).isEqualTo("Done waiting.");
    assertThat(fake.requestCount()).isEqualTo(2);
  }

  @Test
  @DisplayName("the fixture's 429 without retries left: RATE_LIMITED with status and retry-after")
  void rateLimited() throws Exception {
    AnthropicClient noRetries = newClient(options().withRetries(0, 10, 50));
    fake.enqueue(Reply.httpError(429));

    AnthropicException error = awaitFailure(noRetries.stream(REQUEST, new Recorder()).result());

    assertThat(error.kind()).isEqualTo(Kind.RATE_LIMITED);
    assertThat(error.status()).isEqualTo(429);
    assertThat(error.retryAfterMs()).isEqualTo(11_000L);
    assertThat(error.getMessage()).contains("rate_limit_error").contains("50,000 input tokens per minute");
    assertThat(fake.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("a retry-after above 60 s is not retried, nor is a 529 with x-should-retry: false")
  void noRetryWhenTooLongOrRefused() throws Exception {
    fake.enqueue(Reply.status(429, Map.of("retry-after", "120"), "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"wait\"}}"))
        .enqueue(Reply.status(529, Map.of("x-should-retry", "false"), "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
    Recorder recorder = new Recorder();

    AnthropicException tooLong = awaitFailure(client.stream(REQUEST, recorder).result());
    AnthropicException refused = awaitFailure(client.stream(REQUEST, recorder).result());

    assertThat(tooLong.kind()).isEqualTo(Kind.RATE_LIMITED);
    assertThat(tooLong.retryAfterMs()).isEqualTo(120_000L);
    assertThat(refused.kind()).isEqualTo(Kind.OVERLOADED);
    assertThat(refused.status()).isEqualTo(529);
    assertThat(recorder.retries).isEmpty();
    assertThat(fake.requestCount()).isEqualTo(2);
  }

  @Test
  @DisplayName("401 is AUTHENTICATION, not retried, and the message never shows the API key")
  void authentication() throws Exception {
    fake.enqueue(Reply.httpError(401))
        .enqueue(Reply.status(400, Map.of(), "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"bad key " + API_KEY + "\"}}"));
    Recorder recorder = new Recorder();

    AnthropicException error = awaitFailure(client.stream(REQUEST, recorder).result());
    AnthropicException echoed = awaitFailure(client.stream(REQUEST, recorder).result());

    assertThat(error.kind()).isEqualTo(Kind.AUTHENTICATION);
    assertThat(error.status()).isEqualTo(401);
    assertThat(error.getMessage()).contains("invalid x-api-key");
    assertThat(echoed.kind()).isEqualTo(Kind.INVALID_REQUEST);
    assertThat(echoed.getMessage()).contains("bad key ***").doesNotContain(API_KEY);
    assertThat(recorder.retries).isEmpty();
    assertThat(fake.requestCount()).isEqualTo(2);
  }

  @Test
  @DisplayName("an error event mid-stream fails with OVERLOADED and is not retried")
  void midStreamError() throws Exception {
    fake.enqueue(Reply.transcript("sse_error_overloaded.sse"));
    Recorder recorder = new Recorder();

    AnthropicException error = awaitFailure(client.stream(REQUEST, recorder).result());

    assertThat(error.kind()).isEqualTo(Kind.OVERLOADED);
    assertThat(error.contentStreamed()).isTrue();
    assertThat(error.getMessage()).contains("Overloaded");
    assertThat(recorder.text()).isEqualTo("Hello");
    assertThat(recorder.retries).isEmpty();
    assertThat(fake.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("a connection dropped mid-stream is INCOMPLETE_STREAM and not retried after content")
  void droppedMidStream() throws Exception {
    fake.enqueue(Reply.transcript("sse_text.sse").closeAfterEvents(5));
    Recorder recorder = new Recorder();

    AnthropicException error = awaitFailure(client.stream(REQUEST, recorder).result());

    assertThat(error.kind()).isEqualTo(Kind.INCOMPLETE_STREAM);
    assertThat(error.contentStreamed()).isTrue();
    assertThat(recorder.text()).isEqualTo("Hello!");
    assertThat(recorder.retries).isEmpty();
    assertThat(fake.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("a stream that ends cleanly without message_stop is INCOMPLETE_STREAM, not a success")
  void endsWithoutMessageStop() throws Exception {
    String body = Transcripts.load("sse_text.sse");
    fake.enqueue(Reply.sse(body.substring(0, body.indexOf("event: message_stop"))));
    Recorder recorder = new Recorder();

    AnthropicException error = awaitFailure(client.stream(REQUEST, recorder).result());

    assertThat(error.kind()).isEqualTo(Kind.INCOMPLETE_STREAM);
    assertThat(recorder.text()).isEqualTo("Hello!");
    assertThat(fake.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("a stream that stalls longer than idleTimeoutMs fails with TIMEOUT and is reset")
  void stallTimesOut() throws Exception {
    AnthropicClient impatient = newClient(options().withIdleTimeoutMs(300));
    fake.enqueue(Reply.transcript("sse_text.sse").stallAfterEvents(4));
    Recorder recorder = new Recorder();
    long start = System.nanoTime();

    AnthropicException error = awaitFailure(impatient.stream(REQUEST, recorder).result());

    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(300L, 3_000L);
    assertThat(error.kind()).isEqualTo(Kind.TIMEOUT);
    assertThat(recorder.text()).isEqualTo("Hello");
    assertThat(fake.requestCount()).isEqualTo(1);
    fake.awaitAbortedStreams(1).await(2, TimeUnit.SECONDS);
    assertThat(fake.openStreams()).isZero();
  }

  @Test
  @DisplayName("a stall before the first body byte is retried like a connection error")
  void stallBeforeFirstByteIsRetried() throws Exception {
    AnthropicClient impatient = newClient(options().withIdleTimeoutMs(300));
    fake.enqueue(Reply.transcript("sse_text.sse").stallAfterEvents(0)).enqueue(Reply.transcript("sse_text.sse"));
    Recorder recorder = new Recorder();

    JsonObject message = await(impatient.stream(REQUEST, recorder).result());

    assertThat(message.getString("stop_reason")).isEqualTo("end_turn");
    assertThat(recorder.retries).singleElement().asString().contains("300 ms");
    assertThat(fake.requestCount()).isEqualTo(2);
  }

  @Test
  @DisplayName("an answer whose lines arrive cut into pieces of 7 bytes gives the message the whole transcript gives")
  void linesInPieces() throws Exception {
    String transcript = Transcripts.load("sse_text.sse");
    fake.enqueue(Reply.sseInPieces(transcript, 7));
    Recorder recorder = new Recorder();

    JsonObject message = await(client.stream(REQUEST, recorder).result());

    JsonObject whole = Transcripts.replay(transcript, new MessageAccumulator()).message();
    assertThat(message).isEqualTo(whole);
    assertThat(recorder.text()).isEqualTo(whole.getJsonArray("content").getJsonObject(0).getString("text"));
  }

  @Test
  @DisplayName("held back after its second token, a stream hands over nothing more (not even what came in the same piece) until it is released, then the rest in order")
  void holdAndRelease() throws Exception {
    String answer = "one two three four five six seven eight nine ten eleven twelve";
    // the whole answer in one piece: reading must stop inside it, not only between pieces
    fake.enqueue(Reply.sseInPieces(String.join("", agentx.testing.SseTranscript.message().text(answer).end("end_turn")), 1 << 20));
    CompletableFuture<StreamCall> started = new CompletableFuture<>();
    CompletableFuture<io.vertx.core.Context> held = new CompletableFuture<>();
    Recorder recorder = new Recorder() {
      @Override
      public void onTextDelta(String text) {
        super.onTextDelta(text);
        if (textDeltas.size() == 2) {
          started.join().hold(true);
          held.complete(Vertx.currentContext());
        }
      }
    };
    StreamCall call = client.stream(REQUEST, recorder);
    started.complete(call);
    io.vertx.core.Context context = held.get(5, TimeUnit.SECONDS);
    Thread.sleep(300); // the rest of the answer has arrived by now; none of it may be handed over

    assertThat(recorder.textDeltas).hasSize(2);
    assertThat(call.result().isComplete()).isFalse();

    context.runOnContext(v -> call.hold(false));
    JsonObject message = await(call.result());

    assertThat(recorder.text()).isEqualTo(answer);
    assertThat(message.getString("stop_reason")).isEqualTo("end_turn");
  }

  @Test
  @DisplayName("cancel mid-stream fails the result with CANCELLED at once and closes the connection")
  void cancelMidStream() throws Exception {
    fake.enqueue(Reply.text("A long answer that keeps streaming for quite a while, token by token.")
        .delayPerEvent(Duration.ofMillis(50)));
    CompletableFuture<Void> firstDelta = new CompletableFuture<>();
    Recorder recorder = new Recorder() {
      @Override
      public void onTextDelta(String text) {
        super.onTextDelta(text);
        firstDelta.complete(null);
      }
    };
    StreamCall call = client.stream(REQUEST, recorder);
    firstDelta.get(5, TimeUnit.SECONDS);
    long start = System.nanoTime();

    call.cancel();
    AnthropicException error = awaitFailure(call.result());

    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(500);
    assertThat(error.kind()).isEqualTo(Kind.CANCELLED);
    assertThat(error.contentStreamed()).isTrue();
    fake.awaitAbortedStreams(1).await(2, TimeUnit.SECONDS);
    assertThat(fake.abortedStreams()).isEqualTo(1);
    assertThat(fake.openStreams()).isZero();
  }

  @Test
  @DisplayName("no listener callback follows a cancel made from inside a callback")
  void noCallbacksAfterCancel() throws Exception {
    fake.enqueue(Reply.text("one two three four five six seven eight nine ten"));
    CompletableFuture<StreamCall> started = new CompletableFuture<>();
    Recorder recorder = new Recorder() {
      @Override
      public void onTextDelta(String text) {
        super.onTextDelta(text);
        started.join().cancel();
      }
    };
    StreamCall call = client.stream(REQUEST, recorder);
    started.complete(call);

    AnthropicException error = awaitFailure(call.result());
    Thread.sleep(200); // room for any stray callback

    assertThat(error.kind()).isEqualTo(Kind.CANCELLED);
    assertThat(recorder.textDeltas).hasSize(1);
  }

  @Test
  @DisplayName("cancel during the wait before a retry drops the retry")
  void cancelDuringRetryWait() throws Exception {
    fake.enqueue(Reply.status(529, Map.of("retry-after-ms", "5000"), "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
    CompletableFuture<Void> retrying = new CompletableFuture<>();
    Recorder recorder = new Recorder() {
      @Override
      public void onRetry(int attempt, int maxRetries, long delayMs, String reason) {
        super.onRetry(attempt, maxRetries, delayMs, reason);
        retrying.complete(null);
      }
    };
    StreamCall call = client.stream(REQUEST, recorder);
    retrying.get(5, TimeUnit.SECONDS);

    call.cancel();
    AnthropicException error = awaitFailure(call.result());
    Thread.sleep(200);

    assertThat(error.kind()).isEqualTo(Kind.CANCELLED);
    assertThat(recorder.retryDelays).containsExactly(5_000L);
    assertThat(fake.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("a listener that throws fails the call instead of leaving it hanging")
  void throwingListener() throws Exception {
    fake.enqueue(Reply.transcript("sse_text.sse"));
    Recorder recorder = new Recorder() {
      @Override
      public void onTextDelta(String text) {
        throw new IllegalStateException("listener bug");
      }
    };

    AnthropicException error = awaitFailure(client.stream(REQUEST, recorder).result());

    assertThat(error.kind()).isEqualTo(Kind.UPSTREAM);
    assertThat(error.getCause()).hasMessage("listener bug");
  }

  @Test
  @DisplayName("a refused connection is retried maxRetries times, then fails with CONNECTION")
  void connectionRefused() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    AnthropicClient unreachable = newClient(AnthropicOptions.of("http://127.0.0.1:" + closedPort, API_KEY).withRetries(2, 10, 50));
    Recorder recorder = new Recorder();

    AnthropicException error = awaitFailure(unreachable.stream(REQUEST, recorder).result());

    assertThat(error.kind()).isEqualTo(Kind.CONNECTION);
    assertThat(error.getMessage()).contains("127.0.0.1:" + closedPort);
    assertThat(recorder.retries).hasSize(2);
    assertThat(recorder.retries.get(0)).startsWith("1/2 ");
    assertThat(recorder.retries.get(1)).startsWith("2/2 ");
    assertThat(recorder.firstBytes).hasValue(0);
  }
}
