package agentx.store;

import agentx.events.Ids;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the kind of session id costs an append (docs/PERFORMANCE.md, round twenty-five): the runtime's
 * {@code events} table keyed by {@code (session_id, seq)} with random UUIDs (version 4, as sessions were
 * named before), with time-ordered UUIDs (version 7, {@link Ids#timeOrdered}, as sessions are named now), and
 * a table keyed by an integer session number (not built then, for a copy of every database's events; built in
 * round thirty-four, together with rows that leave out the turn and time the envelope holds: migrations V4 on
 * SQLite and V5 on PostgreSQL, measured in {@link StoreAppendBenchmark}). A file per variant first holds 10,000 older sessions of 50 events
 * each (written 1,000 sessions at a time, as the streaming benchmark's rows write them); then 1,000 new
 * sessions take events in the transaction shapes of {@link StoreAppendBenchmark}, the sessions of each
 * transaction picked at random among the 1,000. Plain JDBC, WAL, {@code synchronous=NORMAL}, foreign keys
 * on; the process's CPU per event.
 *
 * <p>Not part of the suite; run {@code ./mvnw -o -B test -Dtest=SessionKeyBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dbench.rounds=N}, default 3, after one warm-up round; {@code -Dbench.oldSessions=N}, default 10,000).
 */
class SessionKeyBenchmark {
  private static final int SESSIONS = 1_000;

  private enum Variant {
    RANDOM_UUID("random UUIDs (v4, before)"),
    TIME_ORDERED_UUID("time-ordered UUIDs (v7)"),
    INTEGER_KEY("an integer session key");

    final String label;

    Variant(String label) {
      this.label = label;
    }
  }

  private record Shape(String name, int sessionsPerTransaction, int eventsPerSession, int events) {}

  private static final List<Shape> SHAPES = List.of(
      new Shape("8 sessions × 130 events a transaction", 8, 130, 208_000),
      new Shape("5 sessions × 1 event a transaction", 5, 1, 20_000));

  @Test
  @Timeout(value = 30, unit = TimeUnit.MINUTES)
  void run(@TempDir Path dir) throws Exception {
    int rounds = Integer.getInteger("bench.rounds", 3);
    int old = Integer.getInteger("bench.oldSessions", 10_000);
    for (int round = 0; round <= rounds; round++) {
      for (Shape shape : SHAPES) {
        for (Variant variant : Variant.values()) {
          Path file = dir.resolve("events-" + round + "-" + variant + "-" + shape.sessionsPerTransaction() + ".db");
          double micros = measure(file, variant, shape, old);
          System.out.printf("%s  %-40s %-36s %6.1f µs CPU per event%n", round == 0 ? "warm-up" : "round " + round, shape.name(), variant.label, micros);
          for (String suffix : new String[] {"", "-wal", "-shm"}) {
            Files.deleteIfExists(Path.of(file + suffix));
          }
        }
      }
    }
  }

  private static double measure(Path file, Variant variant, Shape shape, int old) throws Exception {
    boolean integer = variant == Variant.INTEGER_KEY;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=NORMAL");
        s.execute("PRAGMA foreign_keys=ON");
        if (integer) {
          s.execute("CREATE TABLE sessions (session_no INTEGER PRIMARY KEY, session_id TEXT NOT NULL UNIQUE, title TEXT)");
          s.execute("CREATE TABLE events (session_no INTEGER NOT NULL REFERENCES sessions (session_no) ON DELETE CASCADE,"
              + " seq INTEGER NOT NULL, turn_id TEXT, type TEXT NOT NULL, envelope TEXT NOT NULL, created_at TEXT NOT NULL,"
              + " PRIMARY KEY (session_no, seq))");
        } else {
          s.execute("CREATE TABLE sessions (session_id TEXT PRIMARY KEY, title TEXT)");
          s.execute("CREATE TABLE events (session_id TEXT NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,"
              + " seq INTEGER NOT NULL, turn_id TEXT, type TEXT NOT NULL, envelope TEXT NOT NULL, created_at TEXT NOT NULL,"
              + " PRIMARY KEY (session_id, seq))");
        }
      }
      int all = old + SESSIONS;
      String[] ids = new String[all];
      try (PreparedStatement insert = c.prepareStatement(integer
          ? "INSERT INTO sessions (session_no, session_id, title) VALUES (?, ?, 'bench')"
          : "INSERT INTO sessions (session_id, title) VALUES (?, 'bench')")) {
        for (int i = 0; i < all; i++) {
          ids[i] = variant == Variant.RANDOM_UUID ? UUID.randomUUID().toString() : Ids.timeOrdered();
          if (integer) {
            insert.setLong(1, i + 1);
            insert.setString(2, ids[i]);
          } else {
            insert.setString(1, ids[i]);
          }
          insert.executeUpdate();
        }
      }
      c.setAutoCommit(false);
      String turn = UUID.randomUUID().toString();
      long[] seqs = new long[all];
      String sql = integer
          ? "INSERT INTO events (session_no, seq, turn_id, type, envelope, created_at) VALUES (?, ?, ?, ?, ?, ?)"
          : Sql.INSERT_EVENT;
      try (PreparedStatement insert = c.prepareStatement(sql)) {
        for (int i = 0; i < old * 50; i++) {
          int session = i / (SESSIONS * 50) * SESSIONS + i % SESSIONS; // 1,000 at a time, their events interleaved
          insertEvent(insert, integer, ids, session, ++seqs[session], turn);
          if (i % 10_000 == 9_999) {
            c.commit();
          }
        }
        c.commit();
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Random random = new Random(7);
        long cpu0 = os.getProcessCpuTime();
        int events = 0;
        while (events < shape.events()) {
          for (int s = 0; s < shape.sessionsPerTransaction(); s++) {
            int session = old + random.nextInt(SESSIONS);
            for (int e = 0; e < shape.eventsPerSession(); e++) {
              insertEvent(insert, integer, ids, session, ++seqs[session], turn);
              events++;
            }
          }
          c.commit();
        }
        return (os.getProcessCpuTime() - cpu0) / 1e3 / events;
      }
    }
  }

  private static void insertEvent(PreparedStatement insert, boolean integer, String[] ids, int session, long seq, String turn) throws Exception {
    if (integer) {
      insert.setLong(1, session + 1);
    } else {
      insert.setString(1, ids[session]);
    }
    insert.setLong(2, seq);
    insert.setString(3, turn);
    insert.setString(4, "stream");
    insert.setString(5, "{\"type\":\"stream\",\"session_id\":\"" + ids[session] + "\",\"turn_id\":\"" + turn + "\",\"seq\":" + seq
        + ",\"timestamp\":\"2026-12-03T12:00:00.000Z\",\"data\":\"t" + seq + "@1234567890123\"}");
    insert.setString(6, "2026-12-03T12:00:00.000Z");
    insert.executeUpdate();
  }
}
