package agentx.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake Claude Messages API built for load: {@code POST /v1/messages} answers a streamed text
 * message in the official SSE shape (message_start, ping, content_block_start, N
 * content_block_delta text_delta events, content_block_stop, message_delta, message_stop; the same
 * events {@code SseTranscript} builds for {@code FakeAnthropic}), one event per write.
 *
 * <p>Each token's text carries its index and the {@link System#nanoTime()} at which it was written
 * ({@link Stamp}), so a client in the same JVM can tell how long the token took to reach it. The
 * size and pace of an answer come from the user's message: {@link #ask} builds the text to send.
 * Unpaced answers are written as fast as the connection takes them (write queue full → wait for
 * drain); paced ones one token every {@code pace} ms.
 */
final class LoadUpstream {
  private static final Pattern ASK = Pattern.compile("agentx-bench tokens=(\\d+) pace=(\\d+)");
  private static final String SSE_HEAD_FORMAT = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_bench%d\","
      + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],\"stop_reason\":null,"
      + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
      + "\"output_tokens\":1}}}\n\n"
      + "event: ping\ndata: {\"type\":\"ping\"}\n\n";
  private static final String BLOCK_START =
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n";
  private static final String DELTA_PREFIX =
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"";
  private static final String DELTA_SUFFIX = "\"}}\n\n";
  private static final String BLOCK_STOP = "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n";
  private static final String TAIL_FORMAT = "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
      + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":%d}}\n\n"
      + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

  /** The SSE event of one text token, as this fake writes it and the storing floor stores it. */
  static String deltaEvent(String token) {
    return DELTA_PREFIX + token + DELTA_SUFFIX;
  }

  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong tokensWritten = new AtomicLong();
  private int port;

  private LoadUpstream() {}

  /** The user message that makes this fake answer {@code tokens} text tokens, one every {@code paceMs} (0 = unpaced). */
  static String ask(int tokens, int paceMs) {
    return "agentx-bench tokens=" + tokens + " pace=" + paceMs;
  }

  /**
   * Starts the fake on 127.0.0.1 with {@code instances} server verticles (one event loop each)
   * sharing one port.
   */
  static Future<LoadUpstream> start(Vertx vertx, int instances) {
    LoadUpstream upstream = new LoadUpstream();
    try {
      upstream.port = freePort(); // Vert.x shares one port among instances, but not a port 0 bound by another
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    return vertx.deployVerticle(() -> upstream.new Server(upstream.port), new DeploymentOptions().setInstances(instances))
        .map(id -> upstream);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  long requests() {
    return requests.get();
  }

  long tokensWritten() {
    return tokensWritten.get();
  }

  private final class Server extends VerticleBase {
    private final int listenPort;

    Server(int listenPort) {
      this.listenPort = listenPort;
    }

    @Override
    public Future<?> start() {
      return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(listenPort).setTcpNoDelay(true))
          .requestHandler(this::handle)
          .listen();
    }

    private void handle(HttpServerRequest request) {
      if (!"/v1/messages".equals(request.path())) {
        request.response().setStatusCode(404).end();
        return;
      }
      request.body().onSuccess(body -> {
        Matcher m = ASK.matcher(body.toString(StandardCharsets.UTF_8));
        int tokens = 20;
        int pace = 0;
        if (m.find()) {
          tokens = Integer.parseInt(m.group(1));
          pace = Integer.parseInt(m.group(2));
        }
        long n = requests.incrementAndGet();
        HttpServerResponse response = request.response()
            .putHeader("content-type", "text/event-stream; charset=utf-8")
            .putHeader("cache-control", "no-cache")
            .putHeader("request-id", "req_bench" + n)
            .setChunked(true);
        new Answer(vertx, response, n, tokens, pace).start();
      });
    }
  }

  /** One streamed answer. Runs on the connection's event loop. */
  private final class Answer {
    private final Vertx vertx;
    private final HttpServerResponse response;
    private final long id;
    private final int tokens;
    private final int paceMs;
    private int next;
    private boolean closed;
    private long timer = -1;

    Answer(Vertx vertx, HttpServerResponse response, long id, int tokens, int paceMs) {
      this.vertx = vertx;
      this.response = response;
      this.id = id;
      this.tokens = tokens;
      this.paceMs = paceMs;
    }

    void start() {
      response.closeHandler(v -> {
        closed = true;
        if (timer != -1) {
          vertx.cancelTimer(timer);
        }
      });
      response.write(String.format(SSE_HEAD_FORMAT, id));
      response.write(BLOCK_START);
      if (paceMs > 0) {
        timer = vertx.setPeriodic(paceMs, t -> {
          if (closed) {
            return;
          }
          writeToken();
          if (next == tokens) {
            vertx.cancelTimer(t);
            timer = -1;
            finish();
          }
        });
      } else {
        pump();
      }
    }

    private void pump() {
      while (next < tokens && !closed && !response.writeQueueFull()) {
        writeToken();
      }
      if (closed) {
        return;
      }
      if (next < tokens) {
        response.drainHandler(v -> pump());
      } else {
        finish();
      }
    }

    private void writeToken() {
      response.write(deltaEvent(Stamp.token(next, System.nanoTime())));
      next++;
      tokensWritten.incrementAndGet();
    }

    private void finish() {
      response.end(BLOCK_STOP + String.format(TAIL_FORMAT, tokens));
    }
  }

  /** A token's text: its index in the answer and when it was written, e.g. {@code "t12@8734598734 "}. */
  static final class Stamp {
    private Stamp() {}

    static String token(int index, long nanos) {
      return "t" + index + "@" + nanos + " ";
    }

    /** The index of a token text, or -1 when it is not a stamp. */
    static int index(String token) {
      int at = token.indexOf('@');
      if (!token.startsWith("t") || at < 0) {
        return -1;
      }
      return Integer.parseInt(token, 1, at, 10);
    }

    /** The nanoTime a token text was written at. */
    static long nanos(String token) {
      int at = token.indexOf('@');
      int end = token.indexOf(' ', at);
      return Long.parseLong(token, at + 1, end < 0 ? token.length() : end, 10);
    }
  }
}
