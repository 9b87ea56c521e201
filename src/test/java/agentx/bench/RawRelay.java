package agentx.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor the streaming benchmark compares the runtime with: the same Vert.x path (WebSocket in,
 * core {@code HttpClient} streaming request to Claude, WebSocket frames out) with nothing else. A
 * client's {@code {"type":"message","content":…}} frame becomes a {@code POST /v1/messages}
 * ({@code stream:true}); each SSE event of the answer (split at its blank line, not parsed) is
 * forwarded as one text frame. No JSON parsing of the stream, no storage, no event bus, no
 * sequencing, no replay. Errors become an {@code event: error} frame.
 *
 * <p>With a SQLite file as a fourth argument it is the <em>storing</em> floor: each event is first
 * written to that file, then forwarded, the least that persist-then-publish costs on the same path.
 * The event loop hands the event to one writer thread; the writer takes every event waiting, writes
 * them in one transaction (a row each, in multi-row statements as the runtime's, in a table shaped like the runtime's {@code events}: a rowid
 * table with a primary key on stream and number; WAL, {@code synchronous=NORMAL}, as the runtime), and
 * hands each back to its event loop, which writes the frame; a stream with {@link #HIGH_WATER} events waiting stops
 * reading until they are down to {@link #LOW_WATER}, as the runtime's event log does. No JSON, no event bus, no numbering
 * query (numbers are counted in memory), no reply to anyone.
 *
 * <p>A separate process, so that its memory is measured alone:
 * {@code java -cp <test classpath> agentx.bench.RawRelay <upstream base URL> <instances> <pool size> [<sqlite file>]};
 * it prints {@code RAW RELAY LISTENING ON <port>} when ready.
 */
public final class RawRelay {
  static final String READY = "RAW RELAY LISTENING ON ";

  private RawRelay() {}

  public static void main(String[] args) {
    URI upstream = URI.create(args[0]);
    int instances = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    int pool = args.length > 2 ? Integer.parseInt(args[2]) : 64;
    // the runtime's Anthropic client has one pool of `pool` connections; split it among the instances
    int poolPerInstance = Math.max(1, (pool + instances - 1) / instances);
    Store store = args.length > 3 ? Store.open(args[3]) : null;
    Vertx vertx = Vertx.vertx();
    int port;
    try {
      port = LoadUpstream.freePort(); // Vert.x shares one port among instances, but not a port 0 bound by another
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    vertx.deployVerticle(() -> new Relay(upstream, port, poolPerInstance, store), new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> System.out.println(READY + port))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }

  /**
   * The storing floor's back-pressure, as the runtime's event log has it ({@code EventLog.HIGH_WATER}/{@code LOW_WATER}):
   * a stream with this many events waiting for the writer stops reading Claude's answer until they are down to the low
   * mark. Without it the floor queued all it read when SQLite fell behind, and its heap grew through every run.
   */
  static final int HIGH_WATER = 64;
  static final int LOW_WATER = 16;

  private static final class Relay extends VerticleBase {
    private final URI upstream;
    private final int poolSize;
    private final int port;
    private final Store store;
    private HttpClient http;

    Relay(URI upstream, int port, int poolSize, Store store) {
      this.upstream = upstream;
      this.port = port;
      this.poolSize = poolSize;
      this.store = store;
    }

    @Override
    public Future<?> start() {
      http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(10_000), new PoolOptions().setHttp1MaxSize(poolSize));
      return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
          .webSocketHandler(this::socket)
          .listen();
    }

    private void socket(ServerWebSocket ws) {
      ws.textMessageHandler(text -> {
        JsonObject frame = new JsonObject(text);
        if (!"message".equals(frame.getString("type"))) {
          return;
        }
        Buffer body = new JsonObject()
            .put("model", "claude-sonnet-4-6")
            .put("max_tokens", 4096)
            .put("stream", true)
            .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", frame.getString("content"))))
            .toBuffer();
        RequestOptions options = new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost(upstream.getHost())
            .setPort(upstream.getPort())
            .setURI("/v1/messages")
            .putHeader("x-api-key", "sk-ant-bench")
            .putHeader("anthropic-version", "2023-06-01")
            .putHeader("content-type", "application/json")
            .putHeader("accept", "text/event-stream");
        http.request(options).compose(request -> {
          ws.closeHandler(v -> request.reset());
          return send(request, body);
        }).onSuccess(response -> {
          RecordParser events = RecordParser.newDelimited("\n\n", response);
          String stream = store == null ? null : store.newStream();
          io.vertx.core.Context context = vertx.getOrCreateContext();
          long[] seq = {0};
          int[] waiting = {0}; // events of this stream handed to the writer and not yet stored
          events.handler(event -> {
            String sse = event.toString(StandardCharsets.UTF_8) + "\n\n";
            if (store == null) {
              forward(ws, sse);
            } else {
              if (++waiting[0] == HIGH_WATER) {
                events.pause();
              }
              store.append(stream, ++seq[0], sse, context, () -> {
                if (--waiting[0] == LOW_WATER) {
                  events.resume();
                }
                forward(ws, sse);
              });
            }
          });
          events.exceptionHandler(e -> error(ws, e));
        }).onFailure(e -> error(ws, e));
      });
    }

    private static void forward(ServerWebSocket ws, String text) {
      if (!ws.isClosed()) {
        ws.writeTextMessage(text);
      }
    }

    private static Future<io.vertx.core.http.HttpClientResponse> send(HttpClientRequest request, Buffer body) {
      return request.send(body);
    }

    private static void error(ServerWebSocket ws, Throwable e) {
      if (!ws.isClosed()) {
        ws.writeTextMessage("event: error\ndata: " + new JsonObject().put("type", "error").put("message", String.valueOf(e)).encode() + "\n\n");
      }
    }
  }

  /** The storing floor's table, as {@link Store} creates it (StoreAppendBenchmark writes its rows beside the runtime's). */
  public static final String STORE_TABLE = Store.TABLE;

  /** The storing floor's insert of one row: stream id, number, body, time. */
  public static final String STORE_INSERT_ONE = Store.insert(1);

  /** The storing floor's id of this process's {@code n}th stream. */
  public static String storeStreamId(long n) {
    return Store.streamId(n);
  }

  /** The body of the storing floor's row for a text token: the token's SSE event as the fake Claude writes it. */
  public static String storedTokenEvent(String token) {
    return LoadUpstream.deltaEvent(token);
  }

  /** The storing floor's one SQLite writer: every event waiting goes in one transaction, then back to its event loop. */
  static final class Store {
    static final String TABLE = "CREATE TABLE IF NOT EXISTS relay_events (stream_id TEXT NOT NULL, seq INTEGER NOT NULL,"
        + " body TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (stream_id, seq))";

    private record Pending(String stream, long seq, String body, io.vertx.core.Context context, Runnable stored) {}

    /** The most rows one statement inserts (as the runtime's store: a power of two, the largest that fits first). */
    private static final int MAX_ROWS = 32;

    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final AtomicLong streams = new AtomicLong();
    private final Connection jdbc;
    /** By rows (1, 2, 4, … {@link #MAX_ROWS}): a multi-row insert, as SQLite's driver runs a JDBC batch as a statement per row. */
    private final Map<Integer, PreparedStatement> inserts = new HashMap<>();

    private Store(Connection jdbc) throws SQLException {
      this.jdbc = jdbc;
      for (int rows = 1; rows <= MAX_ROWS; rows *= 2) {
        inserts.put(rows, jdbc.prepareStatement(insert(rows)));
      }
    }

    static String insert(int rows) {
      return "INSERT INTO relay_events (stream_id, seq, body, created_at) VALUES "
          + String.join(", ", Collections.nCopies(rows, "(?, ?, ?, ?)"));
    }

    static String streamId(long n) {
      return ProcessHandle.current().pid() + "-" + n;
    }

    static Store open(String file) {
      try {
        org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
        config.setGetGeneratedKeys(false); // as the runtime: no "SELECT last_insert_rowid()" after each insert
        Connection jdbc = config.createConnection("jdbc:sqlite:" + file);
        try (Statement s = jdbc.createStatement()) {
          s.execute("PRAGMA journal_mode=WAL");
          s.execute("PRAGMA synchronous=NORMAL");
          s.execute(TABLE);
        }
        jdbc.setAutoCommit(false);
        Store store = new Store(jdbc);
        Thread writer = new Thread(store::write, "relay-sqlite-writer");
        writer.setDaemon(true);
        writer.start();
        return store;
      } catch (SQLException e) {
        throw new IllegalStateException("cannot open " + file, e);
      }
    }

    String newStream() {
      return streamId(streams.incrementAndGet());
    }

    /** Any thread; {@code stored} runs on {@code context} once the event is committed. */
    void append(String stream, long seq, String body, io.vertx.core.Context context, Runnable stored) {
      queue.add(new Pending(stream, seq, body, context, stored));
    }

    private void write() {
      List<Pending> batch = new ArrayList<>();
      while (true) {
        try {
          batch.add(queue.take());
        } catch (InterruptedException e) {
          return;
        }
        queue.drainTo(batch);
        String now = java.time.Instant.now().toString();
        try {
          for (int from = 0; from < batch.size(); ) {
            int rows = Integer.highestOneBit(Math.min(batch.size() - from, MAX_ROWS));
            PreparedStatement insert = inserts.get(rows);
            for (int r = 0; r < rows; r++) {
              Pending p = batch.get(from + r);
              insert.setString(4 * r + 1, p.stream());
              insert.setLong(4 * r + 2, p.seq());
              insert.setString(4 * r + 3, p.body());
              insert.setString(4 * r + 4, now);
            }
            insert.executeUpdate();
            from += rows;
          }
          jdbc.commit();
        } catch (SQLException e) {
          // a floor that loses events is no floor: stop loudly, the benchmark reports the missing rows
          e.printStackTrace();
          System.exit(3);
        }
        for (Pending p : batch) {
          p.context().runOnContext(v -> p.stored().run());
        }
        batch.clear();
      }
    }
  }
}
