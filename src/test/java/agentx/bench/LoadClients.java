package agentx.bench;

import agentx.bench.Phase.Collector;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The benchmark's clients, in its own JVM: real WebSockets (Vert.x {@link WebSocketClient}, no
 * connection limit) to the raw relay or to the runtime's {@code /api/agentx/sessions/{id}/stream} (or
 * its event-bus bridge's {@code /eventbus/websocket}, or its Server-Sent Events: {@link Settings.Clients}),
 * and REST calls to create sessions and read their events back.
 */
final class LoadClients implements AutoCloseable {
  /** A phase gives up when no token arrived anywhere for this long. */
  static final long STALL_MS = 60_000;

  private final Vertx vertx;
  private final WebSocketClient ws;
  final WebClient http;
  /** Where every run's tokens are written ({@link Phase#dump}); null for nowhere. */
  private final Path tokensDump;
  /** How the runtime's clients follow their sessions. */
  private final Settings.Clients clients;
  /** The SSE clients' streams and messages: no connection limit, as the WebSockets'. */
  private final HttpClient sseClient;

  LoadClients(Vertx vertx, Path tokensDump, Settings.Clients clients) {
    this.vertx = vertx;
    this.tokensDump = tokensDump;
    this.clients = clients;
    this.sseClient = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(120_000).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(100_000));
    this.ws = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxConnections(100_000)
        .setConnectTimeout(120_000)
        .setClosingTimeout(5)
        .setTcpNoDelay(true));
    this.http = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(30_000), new PoolOptions().setHttp1MaxSize(32));
  }

  /**
   * {@code streams} WebSockets to the relay, each asks for {@code tokens} tokens at {@code paceMs};
   * the clock runs from the first message frame to the last message_stop.
   */
  Phase relay(int port, int streams, int tokens, int paceMs, long deadlineMs, BooleanSupplier serverAlive) {
    List<Collector> collectors = new ArrayList<>();
    List<Future<Follower>> connects = new ArrayList<>();
    String message = messageFrame(LoadUpstream.ask(tokens, paceMs));
    for (int i = 0; i < streams; i++) {
      Collector c = new Collector(tokens);
      collectors.add(c);
      connects.add(connect(port, "/relay").map(socket -> {
        socket.textMessageHandler(text -> onRelayFrame(c, text));
        socket.closeHandler(v -> c.fail("socket closed after " + c.received + " tokens"));
        return Follower.of(socket, message);
      }));
    }
    return drive(connects, collectors, tokens, deadlineMs, serverAlive);
  }

  /** The WebSocket frame that asks the relay, or the runtime's session socket, for an answer of {@code content}. */
  private static String messageFrame(String content) {
    return new JsonObject().put("type", "message").put("content", content).encode();
  }

  /** A runtime's socket closed before its turn ended fails the stream, saying how and when. */
  private static void closed(Collector c, WebSocket socket) {
    c.fail("socket closed (" + socket.closeStatusCode() + ") after " + c.received + " tokens");
  }

  /** One client following one stream: what starts its answer, and how it lets go. */
  private interface Follower {
    void start();

    Future<?> close();

    /** A WebSocket whose answer starts with {@code message}. */
    static Follower of(WebSocket socket, String message) {
      return new Follower() {
        public void start() {
          socket.writeTextMessage(message);
        }

        public Future<?> close() {
          return socket.close();
        }
      };
    }
  }

  private static void onRelayFrame(Collector c, String text) {
    long now = System.nanoTime();
    if (text.startsWith("event: content_block_delta")) {
      // a client of a raw relay still has to read the event's JSON to get the text
      JsonObject data = new JsonObject(text.substring(text.indexOf("data: ") + 6));
      c.token(data.getJsonObject("delta").getString("text"), now);
    } else if (text.startsWith("event: message_stop")) {
      c.end("completed", now);
    } else if (text.startsWith("event: error")) {
      c.fail("relay error: " + text.trim());
    }
  }

  /** Creates {@code count} sessions with {@code user_id = tag}; answers their ids. */
  List<String> createSessions(int port, String tag, int count) {
    List<Future<String>> created = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      created.add(http.post(port, "127.0.0.1", "/api/agentx/sessions")
          .sendJsonObject(new JsonObject().put("user_id", tag).put("title", "benchmark " + tag))
          .map(r -> {
            if (r.statusCode() != 201) {
              throw new IllegalStateException("create session answered " + r.statusCode() + ": " + r.bodyAsString());
            }
            return r.bodyAsJsonObject().getString("session_id");
          }));
    }
    Future.all(created).timeout(120 + count / 10, TimeUnit.SECONDS).await();
    return created.stream().map(Future::result).toList();
  }

  /**
   * One turn in each session over its WebSocket, as a browser does it; counts the {@code stream}
   * events until the {@code turn} event. The clock runs from the first message frame to the last
   * turn event.
   */
  Phase runtime(int port, List<String> sessions, int tokens, int paceMs, long deadlineMs, BooleanSupplier serverAlive) {
    List<Collector> collectors = new ArrayList<>();
    List<Future<Follower>> connects = new ArrayList<>();
    String content = LoadUpstream.ask(tokens, paceMs);
    String message = messageFrame(content);
    for (String id : sessions) {
      Collector c = new Collector(tokens);
      collectors.add(c);
      connects.add(switch (clients) {
        case WEBSOCKET -> connect(port, streamUri(id)).map(socket -> {
          socket.textMessageHandler(text -> onRuntimeFrame(c, text));
          socket.closeHandler(v -> closed(c, socket));
          return Follower.of(socket, message);
        });
        case BRIDGE -> connect(port, BRIDGE_URI).map(socket -> {
          // the SockJS raw WebSocket transport sends its JSON frames as binary messages
          socket.binaryMessageHandler(bytes -> onBridgeFrame(c, bytes.toString()));
          socket.textMessageHandler(text -> onBridgeFrame(c, text));
          // registered before the message is sent on the same socket, so the bridge has it first
          socket.writeTextMessage(new JsonObject().put("type", "register").put("address", "agentx.events." + id).encode());
          // as vertx-eventbus.js does: the bridge drops a socket that sends nothing for 10 s (a paced run is longer)
          long pings = vertx.setPeriodic(BRIDGE_PING_MS, t -> socket.writeTextMessage(PING));
          socket.closeHandler(v -> {
            vertx.cancelTimer(pings);
            closed(c, socket);
          });
          return Follower.of(socket, new JsonObject().put("type", "send").put("address", "agentx.client.send").put("replyAddress", "turn")
              .put("body", new JsonObject().put("session_id", id).put("content", content)).encode());
        });
        case SSE -> sse(port, id, c, new JsonObject().put("content", content).put("wait", false));
      });
    }
    return drive(connects, collectors, tokens, deadlineMs, serverAlive);
  }

  /**
   * A session followed as an {@code EventSource} follows it ({@code GET …/events/stream?after=0}: the log
   * from its start, then live), its answer started with {@code POST …/messages} and {@code "wait": false}.
   */
  private Future<Follower> sse(int port, String id, Collector c, JsonObject message) {
    String session = "/api/agentx/sessions/" + id;
    return sseClient.request(new RequestOptions().setHost("127.0.0.1").setPort(port).setURI(session + "/events/stream?after=0"))
        .compose(HttpClientRequest::send)
        .map(response -> {
          if (response.statusCode() != 200) {
            throw new IllegalStateException("events/stream answered " + response.statusCode());
          }
          response.handler(RecordParser.newDelimited("\n\n", event -> onSseEvent(c, event.toString())));
          response.exceptionHandler(e -> c.fail("the event stream failed after " + c.received + " tokens: " + e));
          response.endHandler(v -> c.fail("the event stream ended after " + c.received + " tokens"));
          return new Follower() {
            public void start() {
              sseClient.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
                      .setURI(session + "/messages").putHeader("Content-Type", "application/json"))
                  .compose(request -> request.send(message.toBuffer()))
                  .compose(answer -> answer.body().map(body -> answer.statusCode() == 202 ? null : answer.statusCode() + " " + body))
                  .onComplete(done -> {
                    if (done.failed() || done.result() != null) {
                      c.fail("POST /messages: " + (done.failed() ? done.cause() : done.result()));
                    }
                  });
            }

            public Future<?> close() {
              return response.request().connection().close();
            }
          };
        });
  }

  /** One SSE event ({@code id:}, {@code event:}, {@code data:} lines); comments ({@code : ping}) carry nothing. */
  private static void onSseEvent(Collector c, String event) {
    long now = System.nanoTime();
    for (String line : event.split("\n")) {
      if (line.startsWith("data: ")) {
        String data = line.substring(6);
        onRuntimeEvent(c, new JsonObject(data), now, data);
      }
    }
  }

  /** The bridge's raw WebSocket endpoint (SockJS without its framing): vertx-eventbus JSON frames. */
  static final String BRIDGE_URI = "/eventbus/websocket";
  /** vertx-eventbus.js's default ping interval; the bridge's ping timeout is 10 s. */
  static final long BRIDGE_PING_MS = 5_000;
  private static final String PING = new JsonObject().put("type", "ping").encode();

  /**
   * A bridge frame: a session event arrives as {@code {"type":"rec","address":"agentx.events.<id>","body":<envelope>}};
   * the reply to the send (its address {@code turn}) is not an event; an {@code err} frame fails the stream.
   */
  private static void onBridgeFrame(Collector c, String text) {
    long now = System.nanoTime();
    JsonObject frame = new JsonObject(text);
    String type = frame.getString("type");
    if ("err".equals(type)) {
      c.fail("bridge error frame: " + text);
    } else if ("rec".equals(type) && String.valueOf(frame.getString("address")).startsWith("agentx.events.")) {
      onRuntimeEvent(c, frame.getJsonObject("body"), now, text);
    } else if ("rec".equals(type) && frame.getValue("failureCode") != null) {
      c.fail("the send was refused: " + text);
    }
  }

  static String streamUri(String sessionId) {
    return "/api/agentx/sessions/" + sessionId + "/stream";
  }

  private static void onRuntimeFrame(Collector c, String text) {
    long now = System.nanoTime();
    onRuntimeEvent(c, new JsonObject(text), now, text);
  }

  private static void onRuntimeEvent(Collector c, JsonObject frame, long now, String text) {
    Object seq = frame.getValue("seq");
    if (seq instanceof Number n) {
      c.seq(n.longValue());
    }
    switch (String.valueOf(frame.getString("type"))) {
      case "stream" -> c.token(frame.getString("data"), now);
      case "turn" -> c.end(frame.getJsonObject("data").getString("status"), now);
      case "error" -> c.fail("error frame: " + text);
      default -> { }
    }
  }

  private Phase drive(List<Future<Follower>> connects, List<Collector> collectors, int tokens, long deadlineMs,
      BooleanSupplier serverAlive) {
    List<Follower> followers = new ArrayList<>();
    try {
      Future.all(connects).timeout(120 + connects.size() / 10, TimeUnit.SECONDS).await();
    } catch (Exception e) {
      connects.stream().filter(Future::succeeded).forEach(f -> f.result().close());
      return Phase.failed(collectors.size(), tokens, "could not open the streams: " + e);
    }
    connects.forEach(f -> followers.add(f.result()));
    long start = System.nanoTime();
    for (Follower follower : followers) {
      follower.start();
    }
    Future<?> all = Future.all(collectors.stream().map(Collector::future).toList());
    // Wait for every stream to end, but give up when nothing moves for a while or the server died
    // (a heap-capped server can run out of memory and stall rather than exit).
    long lastCount = -1;
    long lastMove = System.nanoTime();
    String stopped = null;
    while (!all.isComplete()) {
      sleep(100);
      long count = collectors.stream().mapToLong(c -> c.progress).sum();
      long now = System.nanoTime();
      if (count != lastCount) {
        lastCount = count;
        lastMove = now;
      } else if (now - lastMove > TimeUnit.MILLISECONDS.toNanos(STALL_MS)) {
        stopped = "no token for " + STALL_MS / 1000 + " s";
        break;
      }
      if (now - start > TimeUnit.MILLISECONDS.toNanos(deadlineMs)) {
        stopped = "deadline of " + deadlineMs / 1000 + " s passed";
        break;
      }
      if (!serverAlive.getAsBoolean()) {
        stopped = "the server process exited";
        break;
      }
    }
    Phase phase = Phase.of(collectors, tokens, start, stopped, System.nanoTime());
    if (tokensDump != null) {
      Phase.dump(collectors, start, tokensDump);
    }
    closeAll(followers);
    return phase;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void closeAll(List<Follower> followers) {
    List<Future<?>> closed = new ArrayList<>();
    for (Follower follower : followers) {
      closed.add(follower.close().otherwiseEmpty());
    }
    try {
      Future.join(closed).timeout(30, TimeUnit.SECONDS).await();
    } catch (Exception ignored) {
      // a socket that does not close politely is dropped with the client
    }
  }

  Future<WebSocket> connect(int port, String uri) {
    return ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri));
  }

  /**
   * Every event of a session read back through {@code GET /sessions/{id}/events?after=…&limit=5000},
   * page by page.
   */
  JsonArray replay(int port, String sessionId) {
    JsonArray all = new JsonArray();
    long after = 0;
    while (true) {
      HttpResponse<Buffer> page = http.get(port, "127.0.0.1", "/api/agentx/sessions/" + sessionId + "/events")
          .addQueryParam("after", String.valueOf(after)).addQueryParam("limit", "5000")
          .send().timeout(60, TimeUnit.SECONDS).await();
      if (page.statusCode() != 200) {
        throw new IllegalStateException("events answered " + page.statusCode() + ": " + page.bodyAsString());
      }
      JsonArray events = page.bodyAsJsonObject().getJsonArray("events");
      all.addAll(events);
      if (events.isEmpty()) {
        return all;
      }
      after = page.bodyAsJsonObject().getLong("next_after");
    }
  }

  /**
   * A client that stops reading: it starts a turn, reads up to the first token, then pauses its
   * socket (nothing more is read from it) while the other sessions stream. {@link #resume} gives up
   * that socket and reconnects with {@code ?after=<last seq read>}: every event after it must come,
   * once, in order, up to the turn event.
   */
  final class SlowClient {
    private final int port;
    private final String sessionId;
    private final int tokens;
    private WebSocket socket;
    private final Promise<Long> paused = Promise.promise();
    private boolean stopped;
    private long lastSeq = -1;
    private int tokensBeforePause;

    SlowClient(int port, String sessionId, int tokens) {
      this.port = port;
      this.sessionId = sessionId;
      this.tokens = tokens;
    }

    /** Starts the turn and completes once the socket is paused, with the seq it paused after. */
    long startAndPause() {
      socket = connect(port, streamUri(sessionId)).timeout(60, TimeUnit.SECONDS).await();
      socket.textMessageHandler(text -> {
        if (stopped) {
          return; // must not happen once paused; ignored all the same, the replay covers it
        }
        JsonObject frame = new JsonObject(text);
        if (frame.getValue("seq") instanceof Number n) {
          lastSeq = n.longValue();
        }
        if ("stream".equals(frame.getString("type"))) {
          tokensBeforePause++;
          stopped = true;
          socket.pause();
          paused.tryComplete(lastSeq);
        }
      });
      socket.writeTextMessage(messageFrame(LoadUpstream.ask(tokens, 0)));
      return paused.future().timeout(60, TimeUnit.SECONDS).await();
    }

    /** Reconnects with {@code ?after=}; answers the check's result, starting with ✓ or ✗. */
    String resume() {
      socket.close(); // not awaited: the unread frames in front of the server's close frame are never read
      Collector rest = new Collector(tokens - tokensBeforePause);
      long from = lastSeq;
      long[] firstSeq = {-1};
      WebSocket again = connect(port, streamUri(sessionId) + "?after=" + from).map(s -> {
        s.textMessageHandler(text -> {
          JsonObject frame = new JsonObject(text);
          if (firstSeq[0] < 0 && frame.getValue("seq") instanceof Number n) {
            firstSeq[0] = n.longValue();
          }
          onRuntimeFrame(rest, text);
        });
        return s;
      }).timeout(60, TimeUnit.SECONDS).await();
      try {
        rest.future().timeout(120, TimeUnit.SECONDS).await();
      } catch (Exception e) {
        // reported below
      }
      again.close();
      int total = tokensBeforePause + rest.received;
      boolean ok = rest.failure == null && "completed".equals(rest.status) && firstSeq[0] == from + 1
          && rest.seqGaps == 0 && total == tokens;
      return String.format("%s read to seq %d, paused; ?after=%d gave seq %d.. %s%s, %d/%d tokens",
          ok ? "✓" : "✗", from, from, firstSeq[0], rest.seqGaps == 0 ? "gapless" : rest.seqGaps + " gaps",
          rest.status == null ? ", no turn event" : "", total, tokens);
    }
  }

  @Override
  public void close() {
    ws.close();
    sseClient.close();
    http.close();
  }
}
