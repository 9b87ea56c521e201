package agentx.store;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whether another shape of the {@code events} table would make an append cheaper (docs/PERFORMANCE.md,
 * round nineteen): the runtime's (a rowid table with a primary key on {@code (session_id, seq)}, the
 * foreign key to {@code sessions} enforced), the table clustered on its key ({@code WITHOUT ROWID}), and
 * each without the foreign key, for the transaction shapes of {@link StoreAppendBenchmark}. Plain JDBC
 * inserts of the runtime's columns into a fresh file per variant that already holds 50 events of each of
 * 1,000 sessions; WAL, {@code synchronous=NORMAL}; the process's CPU per event.
 *
 * <p>Not part of the suite; run {@code ./mvnw -o -B test -Dtest=EventsSchemaBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dbench.rounds=N}, default 3, after one warm-up round).
 */
class EventsSchemaBenchmark {
  private static final int SESSIONS = 1_000;

  private record Variant(String name, String tableSuffix, boolean foreignKeys) {}

  private record Shape(String name, int sessionsPerTransaction, int eventsPerSession, int events) {}

  private static final List<Variant> VARIANTS = List.of(
      new Variant("rowid table + key, foreign key on (as the runtime)", "", true),
      new Variant("without rowid, foreign key on", " WITHOUT ROWID", true),
      new Variant("rowid table + key, foreign key off", "", false),
      new Variant("without rowid, foreign key off", " WITHOUT ROWID", false));

  private static final List<Shape> SHAPES = List.of(
      new Shape("8 sessions × 130 events a transaction", 8, 130, 208_000),
      new Shape("5 sessions × 1 event a transaction", 5, 1, 20_000),
      new Shape("1 event a transaction", 1, 1, 4_000));

  @Test
  void run(@TempDir Path dir) throws Exception {
    int rounds = Integer.getInteger("bench.rounds", 3);
    for (int round = 0; round <= rounds; round++) {
      for (Shape shape : SHAPES) {
        for (Variant variant : VARIANTS) {
          Path file = dir.resolve("events-" + round + "-" + Math.abs(variant.hashCode() + shape.hashCode()) + ".db");
          double micros = measure(file, variant, shape);
          System.out.printf("%s  %-40s %-52s %6.1f µs CPU per event%n", round == 0 ? "warm-up" : "round " + round, shape.name(), variant.name(), micros);
          for (String suffix : new String[] {"", "-wal", "-shm"}) {
            Files.deleteIfExists(Path.of(file + suffix));
          }
        }
      }
    }
  }

  private static double measure(Path file, Variant variant, Shape shape) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=NORMAL");
        s.execute("PRAGMA foreign_keys=" + (variant.foreignKeys() ? "ON" : "OFF"));
        s.execute("CREATE TABLE sessions (session_id TEXT PRIMARY KEY, title TEXT, updated_at TEXT)");
        s.execute("CREATE TABLE events (session_id TEXT NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,"
            + " seq INTEGER NOT NULL, turn_id TEXT, type TEXT NOT NULL, envelope TEXT NOT NULL, created_at TEXT NOT NULL,"
            + " PRIMARY KEY (session_id, seq))" + variant.tableSuffix());
      }
      List<String> ids = new ArrayList<>(SESSIONS);
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO sessions VALUES (?, 'bench', '2026-12-02T12:00:00.000Z')")) {
        for (int i = 0; i < SESSIONS; i++) {
          ids.add(UUID.randomUUID().toString());
          insert.setString(1, ids.get(i));
          insert.executeUpdate();
        }
      }
      c.setAutoCommit(false);
      String turn = UUID.randomUUID().toString();
      long[] seqs = new long[SESSIONS];
      try (PreparedStatement insert = c.prepareStatement(Sql.INSERT_EVENT)) {
        for (int i = 0; i < SESSIONS * 50; i++) {
          insertEvent(insert, ids.get(i % SESSIONS), ++seqs[i % SESSIONS], turn);
        }
        c.commit();
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long next = 0;
        int events = 0;
        while (events < shape.events()) {
          for (int s = 0; s < shape.sessionsPerTransaction(); s++) {
            int session = (int) (next++ % SESSIONS);
            for (int e = 0; e < shape.eventsPerSession(); e++) {
              insertEvent(insert, ids.get(session), ++seqs[session], turn);
              events++;
            }
          }
          c.commit();
        }
        return (os.getProcessCpuTime() - cpu0) / 1e3 / events;
      }
    }
  }

  private static void insertEvent(PreparedStatement insert, String session, long seq, String turn) throws Exception {
    insert.setString(1, session);
    insert.setLong(2, seq);
    insert.setString(3, turn);
    insert.setString(4, "stream");
    insert.setString(5, "{\"v\":1,\"type\":\"stream\",\"session_id\":\"" + session + "\",\"turn_id\":\"" + turn + "\",\"seq\":" + seq
        + ",\"ts\":\"2026-12-02T12:00:00.000Z\",\"data\":{\"kind\":\"text\",\"delta\":\"tok" + seq + " \"}}");
    insert.setString(6, "2026-12-02T12:00:00.000Z");
    insert.executeUpdate();
  }
}
