package agentx.store;

import agentx.config.DatabaseUrl;
import agentx.events.Events;
import agentx.protocol.CreateSession;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;

/**
 * What the store's event append costs per event without the network, for the shapes of transaction
 * the streaming benchmark's runs commit (counted from the store's {@code agentx_store_batch_size} in
 * round seventeen and eighteen): the runtime's own {@link EventRepository#append} (numbering, the rows,
 * SQLite's commit, the log's checkpointer beside it) on a SQLite file migrated as the runtime migrates
 * it, run on a worker thread as the appends' worker runs it; beside it the floor: the same rows inserted
 * with one prepared JDBC statement and one transaction a group into a second file of the same schema,
 * nothing else (no numbering, no envelope, no checkpointer); and the streaming benchmark's storing
 * floor's row ({@link agentx.bench.RawRelay#STORE_TABLE}: a short stream id, the token's SSE event as the
 * fake Claude sends it, a time) written the same plain way (a statement a row) into a third file, so the
 * cost of the runtime's row itself (the session's integer key, its type, the envelope with its two UUIDs and
 * keys) is read off beside the floor's. CPU is the process's (every thread),
 * system calls are the process's {@code syscw}/{@code syscr} ({@code /proc/self/io}).
 *
 * <p>Not part of the suite; run {@code ./mvnw -o -B test -Dtest=StoreAppendBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dbench.rounds=N}, default 3, after one warm-up round).
 */
class StoreAppendBenchmark {
  private static final int SESSIONS = 1_000;

  /** One shape of transaction: how many sessions, how many events of each, how many events a round. */
  private record Shape(String name, int sessionsPerTransaction, int eventsPerSession, int events) {}

  private static final List<Shape> SHAPES = List.of(
      new Shape("unpaced, C = 1,000: 8 sessions × 130 events a transaction", 8, 130, 208_000),
      new Shape("paced, C = 1,000: 5 sessions × 1 event a transaction", 5, 1, 20_000),
      new Shape("paced, C = 1: 1 event a transaction", 1, 1, 4_000));

  private record Cost(double cpuMicros, double wallMicros, double writeCalls, double readCalls) {
    @Override
    public String toString() {
      return String.format("%6.1f µs CPU, %6.1f µs wall, %5.2f write and %5.2f read calls", cpuMicros, wallMicros, writeCalls, readCalls);
    }
  }

  @Test
  void run(@TempDir Path dir) throws Exception {
    int rounds = Integer.getInteger("bench.rounds", 3);
    Vertx vertx = Vertx.vertx();
    try {
      Database db = Database.open(vertx, DatabaseUrl.parse("jdbc:sqlite:" + dir.resolve("store.db")));
      vertx.executeBlocking(db::migrateBlocking).await(60, TimeUnit.SECONDS);
      List<String> sessions = sessions(db);
      EventRepository events = new EventRepository(db);

      Database floorDb = Database.open(vertx, DatabaseUrl.parse("jdbc:sqlite:" + dir.resolve("floor.db")));
      vertx.executeBlocking(floorDb::migrateBlocking).await(60, TimeUnit.SECONDS);
      List<String> floorSessions = sessions(floorDb);
      floorDb.close().await(10, TimeUnit.SECONDS);
      SQLiteConfig config = new SQLiteConfig();
      config.setJournalMode(SQLiteConfig.JournalMode.WAL);
      config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
      config.enforceForeignKeys(true);
      try (Connection floor = config.createConnection("jdbc:sqlite:" + dir.resolve("floor.db"));
          Connection relay = config.createConnection("jdbc:sqlite:" + dir.resolve("relay.db"))) {
        long[] floorKeys = new long[SESSIONS];
        for (int i = 0; i < SESSIONS; i++) {
          floorKeys[i] = Jdbc.first(floor, Sql.SESSION_KEY, row -> row.getLong(1), floorSessions.get(i));
        }
        floor.setAutoCommit(false);
        PreparedStatement insert = floor.prepareStatement(Sql.INSERT_EVENT);
        try (java.sql.Statement create = relay.createStatement()) {
          create.execute(agentx.bench.RawRelay.STORE_TABLE);
        }
        relay.setAutoCommit(false);
        PreparedStatement relayInsert = relay.prepareStatement(agentx.bench.RawRelay.STORE_INSERT_ONE);
        long[] storeNext = {0};
        long[] floorNext = {0};
        long[] floorSeqs = new long[SESSIONS];
        long[] relayNext = {0};
        long[] relaySeqs = new long[SESSIONS];
        String turnId = UUID.randomUUID().toString();
        System.out.printf("%,d sessions, SQLite %s, Java %s, %d cores%n", SESSIONS, floor.getMetaData().getDatabaseProductVersion(),
            System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        for (Shape shape : SHAPES) {
          System.out.println(shape.name() + ", " + String.format("%,d", shape.events()) + " events a round, per event:");
          for (int round = 0; round <= rounds; round++) {
            Cost store = vertx.executeBlocking(() -> measure(shape, () -> {
              List<String> drafts = new ArrayList<>();
              for (int i : group(shape, storeNext)) {
                drafts.add(Events.draftText("stream", sessions.get(i), turnId, "tok" + drafts.size() + " ", "text"));
              }
              events.append(drafts).toCompletionStage().toCompletableFuture().join();
              return drafts.size();
            }), false).await(10, TimeUnit.MINUTES);
            Cost plain = measure(shape, () -> {
              int[] group = group(shape, floorNext);
              for (int i : group) {
                long seq = ++floorSeqs[i];
                String envelope = Events.withSeq(Events.draftText("stream", floorSessions.get(i), turnId, "tok" + seq + " ", "text"), seq);
                insert.setLong(1, floorKeys[i]);
                insert.setLong(2, seq);
                insert.setString(3, "stream");
                insert.setString(4, envelope);
                insert.executeUpdate();
              }
              floor.commit();
              return group.length;
            });
            Cost floorRow = measure(shape, () -> {
              int[] group = group(shape, relayNext);
              for (int i : group) {
                long seq = ++relaySeqs[i];
                relayInsert.setString(1, agentx.bench.RawRelay.storeStreamId(i));
                relayInsert.setLong(2, seq);
                relayInsert.setString(3, agentx.bench.RawRelay.storedTokenEvent("tok" + seq + " "));
                relayInsert.setString(4, "2026-12-02T12:00:00.000Z");
                relayInsert.executeUpdate();
              }
              relay.commit();
              return group.length;
            });
            System.out.printf("  %s store %s | plain JDBC %s | the storing floor's row %s%n", round == 0 ? "warm-up" : "round " + round, store,
                plain, floorRow);
          }
        }
      }
      db.close().await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static List<String> sessions(Database db) throws Exception {
    SessionRepository repository = new SessionRepository(db);
    List<String> ids = new ArrayList<>(SESSIONS);
    for (int i = 0; i < SESSIONS; i++) {
      ids.add(repository.create(new CreateSession(null, "bench " + i, new JsonObject())).await(30, TimeUnit.SECONDS).sessionId());
    }
    return ids;
  }

  /**
   * The sessions (indexes) of the next transaction's events: {@code eventsPerSession} of each of the
   * next {@code sessionsPerTransaction} sessions, the sessions taken in turn ({@code next} counts them).
   */
  private static int[] group(Shape shape, long[] next) {
    int[] group = new int[shape.sessionsPerTransaction() * shape.eventsPerSession()];
    int n = 0;
    for (int s = 0; s < shape.sessionsPerTransaction(); s++) {
      int session = (int) (next[0]++ % SESSIONS);
      for (int e = 0; e < shape.eventsPerSession(); e++) {
        group[n++] = session;
      }
    }
    return group;
  }

  @FunctionalInterface
  private interface Transaction {
    int write() throws SQLException;
  }

  /** Writes transactions of {@code shape} until it holds its events; CPU, wall time and system calls per event. */
  private static Cost measure(Shape shape, Transaction transaction) throws Exception {
    com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long[] io0 = io();
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    int events = 0;
    while (events < shape.events()) {
      events += transaction.write();
    }
    long wall = System.nanoTime() - t0;
    long cpu = os.getProcessCpuTime() - cpu0;
    long[] io1 = io();
    return new Cost(cpu / 1e3 / events, wall / 1e3 / events, (double) (io1[0] - io0[0]) / events, (double) (io1[1] - io0[1]) / events);
  }

  /** The process's write and read system calls so far ({@code /proc/self/io}); zeros where there is none. */
  private static long[] io() {
    long[] calls = new long[2];
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
        if (line.startsWith("syscw:")) {
          calls[0] = Long.parseLong(line.substring(6).trim());
        } else if (line.startsWith("syscr:")) {
          calls[1] = Long.parseLong(line.substring(6).trim());
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux: the calls read as zero
    }
    return calls;
  }
}
