package agentx.bench;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.TestDatabases;
import agentx.testing.TestDatabases.Backend;
import agentx.testing.TestDatabases.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The streaming benchmark of issue 10: in one run, a fake Claude built for load ({@link
 * LoadUpstream}, in this JVM), the raw relay floor ({@link RawRelay}, its own JVM) and the runtime
 * ({@code java -jar target/agentx.jar}, its own JVM) on SQLite and PostgreSQL; C sessions at once
 * through each, with real WebSocket clients in this JVM. It prints and writes (docs/PERFORMANCE.md)
 * a table: events/s of floor and runtime, their ratio, peak RSS of both servers, the latency each
 * adds to a token (upstream write → client frame), the count of persisted events, a slow client's
 * replay, and start-up time on an existing database.
 *
 * <p>Not part of the suite (the name does not end in Test or IT). Run it after packaging:
 * <pre>
 * ./mvnw -B -o package -DskipTests &amp;&amp; ./mvnw -B -o test -Dtest=StreamBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * Settings are system properties ({@link Settings}); {@code -Dbench.smoke=true} is the tiny size
 * that {@code StreamBenchmarkSmokeIT} runs in CI.
 */
class StreamBenchmark {
  static final String SECTION_START = "<!-- stream-benchmark:start (written by StreamBenchmark; edits inside are replaced) -->";
  static final String SECTION_END = "<!-- stream-benchmark:end -->";
  private static final Pattern RELAY_READY = Pattern.compile(Pattern.quote(RawRelay.READY) + "(\\d+)");
  private static final String PERSISTED_STREAM_EVENTS =
      "SELECT count(*) FROM events e JOIN sessions s ON s.session_key = e.session_key WHERE s.user_id = ? AND e.type = 'stream'";

  private Settings settings;
  private final List<String> log = new ArrayList<>();
  private Vertx vertx;
  private LoadUpstream upstream;
  private LoadClients clients;

  @Test
  @Timeout(value = 3, unit = TimeUnit.HOURS)
  void run() throws Exception {
    BenchReport report = measure(Settings.fromSystemProperties());
    System.out.println(report.markdown());
    assertThat(report.problems()).as("the benchmark's correctness checks").isEmpty();
  }

  /** Runs every configured measurement and writes the report (target/, and docs/ when asked). */
  BenchReport measure(Settings settings) throws Exception {
    this.settings = settings;
    checkJar(settings.jar());
    Files.createDirectories(settings.workDir());
    Files.deleteIfExists(settings.workDir().resolve("progress.log"));
    vertx = Vertx.vertx();
    BenchReport report = new BenchReport(settings, LocalDateTime.now(), Machine.describe());
    try {
      upstream = LoadUpstream.start(vertx, settings.upstreamInstances()).await();
      clients = new LoadClients(vertx, settings.tokensDump(), settings.clients());
      progress("settings: " + settings);
      for (Backend backend : settings.backends()) {
        TestDatabase db = TestDatabases.create(backend, settings.workDir());
        try {
          for (int c : settings.sessions()) {
            report.rows.add(row(backend.name().toLowerCase(), db, c, List.of()));
          }
          report.startups.add(startups(backend.name().toLowerCase(), db));
        } finally {
          removeSqliteFiles(db);
        }
      }
      if (!settings.heapCap().isEmpty()) {
        int c = settings.sessions().stream().mapToInt(Integer::intValue).max().orElse(1);
        TestDatabase db = TestDatabases.create(Backend.SQLITE, settings.workDir());
        try {
          report.rows.add(row("sqlite, -Xmx" + settings.heapCap(), db, c, List.of("-Xmx" + settings.heapCap())));
        } finally {
          removeSqliteFiles(db);
        }
      }
    } finally {
      if (clients != null) {
        clients.close();
      }
      vertx.close().await();
    }
    report.upstreamTokens = upstream == null ? 0 : upstream.tokensWritten();
    report.write(settings);
    return report;
  }

  /**
   * One table row: the floor, the storing floor (plain SQLite rows), then the runtime, at C sessions,
   * each in a fresh process with {@code heapFlags} (plus bench.relayJvm for both floors or
   * bench.serverJvm). A failure is written in the row and the run goes on.
   */
  private BenchReport.Row row(String label, TestDatabase db, int c, List<String> heapFlags) {
    BenchReport.Row row = new BenchReport.Row(label, c, settings.tokens());
    List<String> relayJvm = new ArrayList<>(heapFlags);
    relayJvm.addAll(settings.relayJvm());
    List<String> serverJvm = new ArrayList<>(heapFlags);
    serverJvm.addAll(settings.serverJvm());
    part(row, "raw relay", "the floor run", () -> floor(row, relayJvm));
    if (settings.storingRelay() && label.equals("sqlite")) {
      part(row, "storing floor", "the storing floor run", () -> storingFloor(row, relayJvm));
    }
    part(row, "runtime", "the runtime run", () -> runtime(row, db, serverJvm));
    return row;
  }

  private interface Part {
    void run() throws Exception;
  }

  /** One server's runs in a row, announced; a failure is written in the row, and the row goes on. */
  private void part(BenchReport.Row row, String server, String what, Part part) {
    progress("[%s C=%d] %s", row.backend, row.sessions, server);
    try {
      part.run();
    } catch (Exception e) {
      row.problems.add(what + " failed: " + e);
      progress("  FAILED: %s", e);
    }
  }

  private void floor(BenchReport.Row row, List<String> jvm) throws Exception {
    BenchReport.Relayed raw = relayed(row, jvm, null);
    row.floorWarmups = raw.warmups();
    row.floor = raw.unpaced();
    row.floorPaced = raw.paced();
    row.relayPeakKb = raw.peakKb();
  }

  /** The storing floor at the row's C, on a fresh SQLite file, removed afterwards. */
  private void storingFloor(BenchReport.Row row, List<String> jvm) throws Exception {
    Path file = settings.workDir().resolve("storing-relay.db");
    removeSqliteFiles(file);
    try {
      row.storing = relayed(row, jvm, file);
    } finally {
      removeSqliteFiles(file);
    }
  }

  /**
   * A filled benchmark database is gigabytes (a full run wrote 1–2.7 GB per SQLite file, and they
   * piled up in target/ run after run): each is removed once its rows and start-ups are measured.
   */
  private void removeSqliteFiles(TestDatabase db) throws IOException {
    if (db.backend() == Backend.SQLITE) {
      removeSqliteFiles(Path.of(db.jdbcUrl().substring("jdbc:sqlite:".length())));
    }
  }

  private static void removeSqliteFiles(Path file) throws IOException {
    for (String suffix : List.of("", "-wal", "-shm")) {
      Files.deleteIfExists(Path.of(file + suffix));
    }
  }

  /**
   * A relay in a fresh process at the row's C: warm-up rounds, the unpaced run, the paced run; with
   * {@code store}, the storing floor writing every event to that SQLite file, whose token events from
   * the unpaced run are counted. The process's error lines go into the row's problems; a failure is
   * thrown to the row's {@link #part}, which writes it in the row.
   */
  private BenchReport.Relayed relayed(BenchReport.Row row, List<String> jvm, Path store) throws Exception {
    int c = row.sessions;
    long deadline = deadlineMs(c, settings.tokens(), 0);
    String name = store == null ? "relay" : "storing-relay";
    List<String> main = new ArrayList<>(List.of("-cp", System.getProperty("java.class.path"), RawRelay.class.getName(), upstream.baseUrl(),
        String.valueOf(settings.relayInstances()), String.valueOf(settings.relayPool())));
    if (store != null) {
      main.add(store.toString());
    }
    Phase unpaced = null;
    Phase paced = null;
    int warmups = 0;
    long stored = -1;
    try (BenchProcess relay = BenchProcess.start(name, jvm, main, settings.workDir().resolve(name), Map.of())) {
      try {
        int port = Integer.parseInt(relay.await(RELAY_READY, 60_000).group(1));
        warmups = warmUp(relay, () -> {
          Phase round = clients.relay(port, settings.warmup(), settings.tokens(), 0, deadline, relay::isAlive);
          logProblems(clients.relay(port, settings.warmup(), WARMUP_PACED_TOKENS, settings.paceMs(),
              deadlineMs(settings.warmup(), WARMUP_PACED_TOKENS, settings.paceMs()), relay::isAlive));
          return round;
        });
        warmups += warmUpAtConcurrency(relay, c, () -> clients.relay(port, c, settings.tokens(), 0, deadline, relay::isAlive));
        long lastRow = store == null ? 0 : StoredRelayEvents.lastRow(store);
        unpaced = measured(relay, () -> clients.relay(port, c, settings.tokens(), 0, deadline, relay::isAlive));
        progress("  unpaced: %s", unpaced.summary());
        if (store != null) {
          stored = StoredRelayEvents.tokensAfter(store, lastRow);
          progress("  token events stored by the floor: %,d of %,d", stored, (long) c * settings.tokens());
        }
        paced = measured(relay, () -> clients.relay(port, c, settings.pacedTokens(c), settings.paceMs(),
            deadlineMs(c, settings.pacedTokens(c), settings.paceMs()), relay::isAlive));
        progress("  paced:   %s", paced.summary());
      } finally {
        relay.errors().forEach(line -> row.problems.add(name + ": " + line));
        progress("  %s peak RSS %,d KiB", name, relay.peakRssKb());
      }
      return new BenchReport.Relayed(unpaced, paced, warmups, relay.peakRssKb(), stored, (long) c * settings.tokens());
    }
  }

  private void runtime(BenchReport.Row row, TestDatabase db, List<String> jvm) throws Exception {
    int c = row.sessions;
    long deadline = deadlineMs(c, settings.tokens(), 0);
    String tag = "bench-c" + c + "-" + Long.toHexString(System.nanoTime());
    row.persistedExpected = (long) c * settings.tokens();
    try (RuntimeProcess runtime = startRuntime(db, jvm)) {
      try {
        row.startupMs = runtime.startupMs;
        progress("  start-up to healthy /health: %,d ms", runtime.startupMs);
        int port = runtime.port;
        int[] round = {0};
        row.runtimeWarmups = warmUp(runtime.process, () -> {
          round[0]++;
          Phase unpaced = clients.runtime(port, clients.createSessions(port, tag + "-warmup" + round[0], settings.warmup()),
              settings.tokens(), 0, deadline, runtime.process::isAlive);
          logProblems(clients.runtime(port, clients.createSessions(port, tag + "-warmup-paced" + round[0], settings.warmup()),
              WARMUP_PACED_TOKENS, settings.paceMs(), deadlineMs(settings.warmup(), WARMUP_PACED_TOKENS, settings.paceMs()),
              runtime.process::isAlive));
          return unpaced;
        });
        int[] roundAtC = {0};
        row.runtimeWarmups += warmUpAtConcurrency(runtime.process, c, () -> clients.runtime(port,
            clients.createSessions(port, tag + "-warmup-c" + ++roundAtC[0], c), settings.tokens(), 0, deadline, runtime.process::isAlive));
        List<String> sessions = clients.createSessions(port, tag, c);
        String slowId = clients.createSessions(port, tag + "-slow", 1).get(0);
        LoadClients.SlowClient slow = clients.new SlowClient(port, slowId, settings.tokens());
        long pausedAt = slow.startAndPause();
        PostgresCpu database = PostgresCpu.of(db);
        row.runtime = measured(runtime.process, database, () -> clients.runtime(port, sessions, settings.tokens(), 0, deadline, runtime.process::isAlive));
        progress("  unpaced: %s", row.runtime.summary());
        row.persisted = db.queryLong(PERSISTED_STREAM_EVENTS, tag);
        progress("  persisted stream events: %,d of %,d", row.persisted, row.persistedExpected);
        if (!row.runtime.ok()) {
          row.slowClient = "skipped: the unpaced run failed";
          progress("  the unpaced run failed: the rest of this row is skipped");
          return;
        }
        // the paced run right after the unpaced one, before the read-backs below: those take code paths
        // (pages of 5,000 events encoded, the slow client's replay) that the JIT would compile during it
        List<String> paced = clients.createSessions(port, tag + "-paced", c);
        row.runtimePaced = measured(runtime.process, database, () -> clients.runtime(port, paced, settings.pacedTokens(c), settings.paceMs(),
            deadlineMs(c, settings.pacedTokens(c), settings.paceMs()), runtime.process::isAlive));
        progress("  paced:   %s%s", row.runtimePaced.summary(), row.runtimePaced.timeline);
        long pacedPersisted = db.queryLong(PERSISTED_STREAM_EVENTS, tag + "-paced");
        if (pacedPersisted != (long) c * settings.pacedTokens(c)) {
          row.problems.add("paced run: " + pacedPersisted + " stream events stored, expected " + (long) c * settings.pacedTokens(c));
        }

        row.problems.addAll(replayCheck(port, sessions));
        long slowPersisted = db.queryLong(PERSISTED_STREAM_EVENTS, tag + "-slow");
        row.slowClient = slow.resume()
            + (slowPersisted == settings.tokens() ? "; turn ended while paused" : "; " + slowPersisted + " stored while paused");
        row.slowOk = row.slowClient.startsWith("✓");
        progress("  slow client (paused after seq %d): %s", pausedAt, row.slowClient);
      } finally {
        row.serverPeakKb = runtime.process.peakRssKb();
        runtime.process.errors().forEach(line -> row.problems.add("runtime: " + line));
        progress("  server peak RSS %,d KiB%s", row.serverPeakKb, runtime.process.isAlive() ? "" : " (the process had exited)");
      }
    }
  }

  /** Tokens per answer in the paced part of a warm-up round. */
  private static final int WARMUP_PACED_TOKENS = 10;

  /**
   * Warm-up rounds on a fresh server, each bench.warmup unpaced streams and as many short paced ones
   * (the paced run takes other branches: one event per batch, streams starting while others wait),
   * until its JIT compilers used at most bench.warmupJit of its CPU in a round (or bench.warmupRounds
   * rounds, bench.warmupSeconds seconds): on two cores a fresh JVM compiles for tens of seconds under
   * load, CPU a long-running server spends once. The unpaced part is logged (the paced part when it
   * had problems). Answers the rounds run.
   */
  private int warmUp(BenchProcess server, Supplier<Phase> round) {
    if (settings.warmup() <= 0) {
      return 0;
    }
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.warmupSeconds());
    for (int i = 1; ; i++) {
      Phase phase = measured(server, round);
      progress("  warm-up %d: %s (CPU of both parts)", i, phase.summary());
      // NaN (no /proc) stops too
      if (i >= settings.warmupRounds() || System.nanoTime() > until || !(phase.jitShare() > settings.warmupJit())) {
        return i;
      }
    }
  }

  /** A round at the row's C that touches fewer new pages than this (8 MiB of 4 KiB pages) finds the heap grown. */
  static final long SETTLED_PAGE_FAULTS = 2_000;
  static final int MAX_ROUNDS_AT_C = 6;

  /**
   * Unpaced rounds, not measured, at the row's own concurrency when the warm-up rounds ran fewer streams, until two in a
   * row touch fewer than {@link #SETTLED_PAGE_FAULTS} new pages each (at most {@link #MAX_ROUNDS_AT_C}, bench.warmupSeconds
   * seconds; two without /proc). A server's heap grows to what C streams hold live once (the JVM commits more of it,
   * and the first touch of each new page is a page fault), in the first minutes of a long-running server, not in every
   * busy minute; without these rounds it grew in the measured run (round thirty-one: 55,000–61,000 page faults in the
   * runtime's unpaced run at 1,000 sessions, and still 42,000 after one round at C; about 100 after five, and 14.4–15.9
   * against 18.0–18.6 µs of CPU per event). Answers the rounds run.
   */
  private int warmUpAtConcurrency(BenchProcess server, int c, Supplier<Phase> round) {
    if (settings.warmup() <= 0 || c <= settings.warmup()) {
      return 0;
    }
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.warmupSeconds());
    int quiet = 0;
    for (int i = 1; ; i++) {
      Phase phase = measured(server, round);
      progress("  warm-up at C = %,d, round %d: %s", c, i, phase.summary());
      quiet = phase.serverMinorFaults < SETTLED_PAGE_FAULTS ? quiet + 1 : 0;
      // two quiet rounds in a row: one alone can come before the collector decides to grow (1,834 new pages, then
      // 78,210 in the measured run, round thirty-one); unknown faults (no /proc) count as quiet
      if (quiet >= 2 || i >= MAX_ROUNDS_AT_C || System.nanoTime() > until) {
        return i;
      }
    }
  }

  private void logProblems(Phase warmupPart) {
    if (!warmupPart.problems.isEmpty()) {
      progress("  warm-up, paced part: %s", warmupPart.summary());
    }
  }

  /** This JVM's threads: the load generator's clients and the fake Claude. */
  private static final Path SELF = Path.of("/proc/self/task");

  /** A run with the server's CPU time (and its JIT compilers' part) over it. */
  private static Phase measured(BenchProcess server, Supplier<Phase> run) {
    long cpu = server.cpuNanos();
    long jit = server.jitCpuNanos();
    long faults = server.minorFaults();
    BenchProcess.Sched sched = server.sched();
    BenchProcess.Sched self = BenchProcess.sched(SELF);
    long start = System.nanoTime();
    Phase phase = run.get();
    phase.serverCpuNanos = cpu < 0 ? -1 : server.cpuNanos() - cpu;
    phase.serverJitNanos = jit < 0 ? -1 : server.jitCpuNanos() - jit;
    phase.serverMinorFaults = faults < 0 ? -1 : server.minorFaults() - faults;
    BenchProcess.Sched schedAfter = server.sched();
    BenchProcess.Sched selfAfter = BenchProcess.sched(SELF);
    if (sched != null && self != null && schedAfter != null && selfAfter != null) {
      phase.sched = new Phase.SchedView(schedAfter.minus(sched), selfAfter.onCpuNanos() - self.onCpuNanos(), System.nanoTime() - start);
    }
    return phase;
  }

  /** {@link #measured(BenchProcess, Supplier)}, with the CPU time of {@code database}'s processes over it when there is one. */
  private static Phase measured(BenchProcess server, PostgresCpu database, Supplier<Phase> run) {
    long before = database == null ? -1 : database.cpuNanos();
    Phase phase = measured(server, run);
    long after = before < 0 ? -1 : database.cpuNanos();
    phase.databaseCpuNanos = after < 0 ? -1 : after - before;
    return phase;
  }

  /** A few sessions read back through REST, page by page: seq 1..n without a gap, every token there. */
  private List<String> replayCheck(int port, List<String> sessions) {
    List<String> problems = new ArrayList<>();
    for (String id : sessions.subList(0, Math.min(3, sessions.size()))) {
      JsonArray events = clients.replay(port, id);
      long streams = 0;
      for (int i = 0; i < events.size(); i++) {
        JsonObject e = events.getJsonObject(i);
        if (e.getLong("seq") != i + 1) {
          problems.add("REST replay of " + id + ": event " + i + " has seq " + e.getLong("seq"));
          break;
        }
        if ("stream".equals(e.getString("type"))) {
          streams++;
        }
      }
      if (streams != settings.tokens()) {
        problems.add("REST replay of " + id + ": " + streams + " stream events, expected " + settings.tokens());
      }
    }
    return problems;
  }

  /**
   * Start-up time to a healthy /health on the database the runs filled, median of a few starts: the
   * plain {@code java -jar}, the same with the class-data archive {@code class-archive} writes, and the
   * start-up floor ({@link StartupFloor}: a bare Vert.x HTTP server from the same jar), taken in turn so
   * that each meets the machine (its page cache, the hour) as the others do.
   */
  private String startups(String label, TestDatabase db) throws Exception {
    if (settings.startups() <= 0) {
      return null;
    }
    long events = db.queryLong("SELECT count(*) FROM events");
    long sessions = db.queryLong("SELECT count(*) FROM sessions");
    Path archive = classArchive();
    List<String> archived = new ArrayList<>(settings.serverJvm());
    archived.add("-XX:SharedArchiveFile=" + archive);
    long[] plain = new long[settings.startups()];
    long[] shared = new long[plain.length];
    long[] floor = new long[plain.length];
    for (int i = 0; i < plain.length; i++) {
      try (RuntimeProcess runtime = startRuntime(db, settings.serverJvm())) {
        plain[i] = runtime.startupMs;
      }
      try (RuntimeProcess runtime = startRuntime(db, archived)) {
        shared[i] = runtime.startupMs;
      }
      floor[i] = startupFloor();
    }
    String line = String.format("%s: start-up to a healthy `/health` on the existing database (%,d sessions, %,d events): %s;"
        + " with the class-data archive (`class-archive`, `-XX:SharedArchiveFile`): %s; the start-up floor (a bare Vert.x HTTP"
        + " server from the same jar): %s", label, sessions, events, median(plain), median(shared), median(floor));
    progress(line);
    return line;
  }

  private static String median(long[] times) {
    long[] sorted = times.clone();
    Arrays.sort(sorted);
    return String.format("%,d ms (median of %d; all: %s)", sorted[sorted.length / 2], sorted.length, Arrays.toString(times));
  }

  /** The class-data archive of the jar under test, written once per run by the jar's own {@code class-archive}. */
  private Path classArchive() throws Exception {
    Path archive = settings.workDir().resolve("agentx.jsa").toAbsolutePath();
    if (!Files.isRegularFile(archive) || Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(settings.jar())) < 0) {
      List<String> main = List.of("-jar", settings.jar().toAbsolutePath().toString(), "class-archive", "--file", archive.toString());
      try (BenchProcess writer = BenchProcess.start("class-archive", List.of(), main, settings.workDir().resolve("class-archive"), Map.of())) {
        int exit = writer.waitFor(5, TimeUnit.MINUTES);
        if (exit != 0) {
          throw new IllegalStateException("class-archive failed (" + exit + "):\n" + writer.log());
        }
      }
      progress("  wrote the class-data archive %s (%,d KB)", archive, Files.size(archive) / 1024);
    }
    return archive;
  }

  /** One start of {@link StartupFloor}: launch → first healthy answer, in ms. */
  private long startupFloor() throws Exception {
    int port = freePort();
    Path ownClasses = Path.of(StartupFloor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    String classpath = settings.jar().toAbsolutePath() + java.io.File.pathSeparator + ownClasses;
    List<String> main = List.of("-cp", classpath, StartupFloor.class.getName(), String.valueOf(port));
    try (BenchProcess floor = BenchProcess.start("startup-floor", settings.serverJvm(), main, settings.workDir().resolve("startup-floor"), Map.of())) {
      return awaitHealthy(floor, port, "the start-up floor");
    }
  }

  /** The runtime from the fat jar, and how long it took from launch to a healthy /health. */
  private static final class RuntimeProcess implements AutoCloseable {
    final BenchProcess process;
    final int port;
    final long startupMs;

    RuntimeProcess(BenchProcess process, int port, long startupMs) {
      this.process = process;
      this.port = port;
      this.startupMs = startupMs;
    }

    @Override
    public void close() throws InterruptedException {
      process.close();
    }
  }

  private RuntimeProcess startRuntime(TestDatabase db, List<String> jvm) throws Exception {
    int port = freePort();
    Map<String, String> env = Map.of(
        "AGENTX_DATABASE_URL", db.url(),
        "ANTHROPIC_API_KEY", "sk-ant-bench",
        "ANTHROPIC_BASE_URL", upstream.baseUrl(),
        "COMFYUI_URL", "http://127.0.0.1:9",
        "AGENTX_HOST", "127.0.0.1");
    List<String> main = List.of("-jar", settings.jar().toAbsolutePath().toString(), "--port", String.valueOf(port));
    BenchProcess process = BenchProcess.start("runtime", jvm, main, settings.workDir().resolve("runtime"), env);
    try {
      return new RuntimeProcess(process, port, awaitHealthy(process, port, "the runtime"));
    } catch (Exception e) {
      process.close();
      throw e;
    }
  }

  /** Polls GET /health every 10 ms until it answers 200 healthy; returns the ms since the launch. */
  private long awaitHealthy(BenchProcess process, int port, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(what + " exited before it was healthy:\n" + process.log());
      }
      try {
        HttpResponse<Buffer> health = clients.http.get(port, "127.0.0.1", "/health").send().timeout(2, TimeUnit.SECONDS).await();
        if (health.statusCode() == 200 && "healthy".equals(health.bodyAsJsonObject().getString("status"))) {
          return (System.nanoTime() - process.startedNanos()) / 1_000_000;
        }
      } catch (Exception notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + " was not healthy within 120 s:\n" + process.log());
      }
      Thread.sleep(10);
    }
  }

  /**
   * Generous: 2 minutes plus 1 ms per event (a runtime 50 times slower than this one still
   * finishes), plus the paced answers' own length, in waves of the 64 connections to Claude.
   */
  private static long deadlineMs(int streams, int tokens, int paceMs) {
    long waves = (streams + 63) / 64;
    return 120_000 + (long) streams * tokens + waves * tokens * paceMs * 3L;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The fat jar must exist and be newer than the compiled classes, or the numbers are for old code. */
  private static void checkJar(Path jar) throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run ./mvnw -B -o package -DskipTests first");
    }
    Path classes = Path.of("target", "classes");
    if (Files.isDirectory(classes)) {
      FileTime jarTime = Files.getLastModifiedTime(jar);
      try (Stream<Path> files = Files.walk(classes)) {
        Path newer = files.filter(Files::isRegularFile).filter(p -> {
          try {
            return Files.getLastModifiedTime(p).compareTo(jarTime) > 0;
          } catch (IOException e) {
            return false;
          }
        }).findFirst().orElse(null);
        if (newer != null) {
          throw new IllegalStateException(jar + " is older than " + newer + ": run ./mvnw -B -o package -DskipTests first");
        }
      }
    }
  }

  private void progress(String format, Object... args) {
    String line = LocalDateTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")) + " " + (args.length == 0 ? format : String.format(format, args));
    System.out.println(line);
    log.add(line);
    try {
      Path file = settings.workDir().resolve("progress.log");
      Files.writeString(file, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException ignored) {
      // progress is also on stdout
    }
  }

  /**
   * The machine, for the report's heading. {@code memoryMonitor}: the kernel's memory monitor (DAMON) when it runs,
   * else empty: on the machine this was written on its samples (every 500 ms) set the runtime's one-session paced
   * p99, 5.7–6.8 ms with it and 1.6–1.7 without (docs/PERFORMANCE.md, round twenty-nine).
   */
  record Machine(int cores, String cpu, long memoryGib, String java, String os, String memoryMonitor) {
    static Machine describe() {
      String cpu = "";
      long memKb = 0;
      try {
        cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
            .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("");
        Matcher m = Pattern.compile("MemTotal:\\s+(\\d+)").matcher(Files.readString(Path.of("/proc/meminfo")));
        memKb = m.find() ? Long.parseLong(m.group(1)) : 0;
      } catch (IOException | RuntimeException ignored) {
        // not Linux
      }
      return new Machine(Runtime.getRuntime().availableProcessors(), cpu, Math.round(memKb / 1024.0 / 1024.0),
          System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
          System.getProperty("os.name") + " " + System.getProperty("os.version"), damon());
    }

    /** "DAMON on, sampling every N ms" when a kdamond of the kernel's sysfs interface is on; empty otherwise. */
    static String damon() {
      Path kdamonds = Path.of("/sys/kernel/mm/damon/admin/kdamonds");
      try (java.util.stream.Stream<Path> each = Files.list(kdamonds)) {
        for (Path kdamond : each.filter(Files::isDirectory).sorted().toList()) {
          if ("on".equals(Files.readString(kdamond.resolve("state")).trim())) {
            Path sample = kdamond.resolve("contexts/0/monitoring_attrs/intervals/sample_us");
            String every = Files.isReadable(sample)
                ? ", sampling every " + Long.parseLong(Files.readString(sample).trim()) / 1000 + " ms" : "";
            return "the kernel's memory monitor (DAMON) on" + every;
          }
        }
      } catch (IOException | RuntimeException ignored) {
        // no DAMON, or not Linux
      }
      return "";
    }

    @Override
    public String toString() {
      return cores + " cores" + (cpu.isEmpty() ? "" : " (" + cpu + ")") + ", " + memoryGib + " GiB, " + java + ", " + os
          + (memoryMonitor.isEmpty() ? "" : ", " + memoryMonitor);
    }
  }
}
