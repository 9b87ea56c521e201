package agentx.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one measured run of C streams gave: events delivered, wall time from the first message frame
 * to the last end of stream, the added latency of every token (upstream write → client frame), and
 * what went wrong. Built from one {@link Collector} per stream.
 */
final class Phase {
  final int streams;
  final int tokensEach;
  final long delivered;
  final long wallNanos;
  /** Every token's latency in nanoseconds, sorted. */
  final long[] latencies;
  final List<String> problems;
  /** CPU time the server process used during the phase (−1 when unknown). */
  long serverCpuNanos = -1;
  /** Of that, what the server's JIT compiler threads used (−1 when unknown). */
  long serverJitNanos = -1;
  /** Minor page faults of the server process during the phase: memory it touched for the first time (−1 when unknown). */
  long serverMinorFaults = -1;
  /** The scheduler's view over the phase; null when unknown. */
  SchedView sched;
  /** CPU time PostgreSQL's processes used during the phase (−1 when not PostgreSQL or unknown): not in {@link #serverCpuNanos}. */
  long databaseCpuNanos = -1;

  /**
   * The server's threads over a phase ({@link BenchProcess#sched}), this JVM's (the load generator's)
   * time on a CPU, and the time they were taken over (the phase with its connections' set-up).
   */
  record SchedView(BenchProcess.Sched server, long loadGeneratorNanos, long windowNanos) {
    /** {@code nanos} as milliseconds per second of the window. */
    double perSecond(long nanos) {
      return nanos / 1e6 / (windowNanos / 1e9);
    }
  }

  private Phase(int streams, int tokensEach, long delivered, long wallNanos, long[] latencies, List<String> problems) {
    this.streams = streams;
    this.tokensEach = tokensEach;
    this.delivered = delivered;
    this.wallNanos = wallNanos;
    this.latencies = latencies;
    this.problems = problems;
  }

  static Phase failed(int streams, int tokensEach, String problem) {
    return new Phase(streams, tokensEach, 0, 0, new long[0], List.of(problem));
  }

  /**
   * @param stopped why the wait ended before every stream did (then the clock stops at {@code stopNanos}), or null
   */
  static Phase of(List<Collector> collectors, int tokensEach, long startNanos, String stopped, long stopNanos) {
    long delivered = 0;
    long end = stopped != null ? stopNanos : startNanos;
    int size = 0;
    List<String> problems = new ArrayList<>();
    if (stopped != null) {
      problems.add("stopped waiting: " + stopped);
    }
    int incomplete = 0;
    for (Collector c : collectors) {
      delivered += c.received;
      end = Math.max(end, c.endNanos);
      size += Math.min(c.received, c.latencies.length);
      String problem = c.problem();
      if (problem != null && incomplete++ < 3) {
        problems.add(problem);
      }
    }
    if (incomplete > 3) {
      problems.add("… " + (incomplete - 3) + " more streams with problems");
    }
    long[] all = new long[size];
    int at = 0;
    for (Collector c : collectors) {
      int n = Math.min(c.received, c.latencies.length);
      System.arraycopy(c.latencies, 0, all, at, n);
      at += n;
    }
    Arrays.sort(all);
    Phase phase = new Phase(collectors.size(), tokensEach, delivered, end - startNanos, all, problems);
    phase.timeline = timeline(collectors, startNanos);
    return phase;
  }

  /** Where in the run the slow tokens were: per two seconds of upstream write time, count and p50 / p99 / max latency in ms. */
  private static String timeline(List<Collector> collectors, long startNanos) {
    java.util.TreeMap<Long, List<Long>> windows = new java.util.TreeMap<>();
    for (Collector c : collectors) {
      for (int i = 0; i < Math.min(c.received, c.latencies.length); i++) {
        windows.computeIfAbsent(Math.max(0, (c.written[i] - startNanos) / 2_000_000_000L), w -> new ArrayList<>()).add(c.latencies[i]);
      }
    }
    StringBuilder out = new StringBuilder();
    windows.forEach((w, latencies) -> {
      latencies.sort(null);
      out.append(String.format("%n      %2d-%2d s: %,7d tokens, p50 %6.2f / p99 %7.2f / max %7.2f ms", 2 * w, 2 * w + 2, latencies.size(),
          latencies.get(latencies.size() / 2) / 1e6, latencies.get((int) Math.min(latencies.size() - 1, Math.ceil(0.99 * latencies.size()) - 1)) / 1e6,
          latencies.get(latencies.size() - 1) / 1e6));
    });
    return out.toString();
  }

  private static final AtomicInteger DUMPS = new AtomicInteger();

  /**
   * Every token of a run ({@code -Dbench.tokensDump=<folder>}) in {@code <folder>/run-<n>.tsv}: a first
   * line "# upstream time 0 = epoch ms …", then one line per token, "stream, token, ms of upstream time
   * since the run's start, added latency in ms", to see whether slow tokens come in bursts or alone.
   */
  static void dump(List<Collector> collectors, long startNanos, Path folder) {
    StringBuilder out = new StringBuilder();
    out.append("# upstream time 0 = epoch ms ").append(System.currentTimeMillis() - (System.nanoTime() - startNanos) / 1_000_000).append('\n');
    for (int s = 0; s < collectors.size(); s++) {
      Collector c = collectors.get(s);
      for (int i = 0; i < Math.min(c.received, c.latencies.length); i++) {
        out.append(s).append('\t').append(i).append('\t').append(String.format("%.3f", (c.written[i] - startNanos) / 1e6))
            .append('\t').append(String.format("%.3f", c.latencies[i] / 1e6)).append('\n');
      }
    }
    try {
      Files.createDirectories(folder);
      Files.writeString(folder.resolve("run-" + DUMPS.incrementAndGet() + ".tsv"), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@link #timeline(List, long)} of this run. */
  String timeline = "";

  long expected() {
    return (long) streams * tokensEach;
  }

  boolean ok() {
    return problems.isEmpty() && delivered == expected();
  }

  double eventsPerSecond() {
    return wallNanos <= 0 ? 0 : delivered * 1e9 / wallNanos;
  }

  /** The q-quantile (0..1) of the added latency, in milliseconds; NaN without samples. */
  double latencyMs(double q) {
    if (latencies.length == 0) {
      return Double.NaN;
    }
    int index = (int) Math.min(latencies.length - 1, Math.max(0, Math.ceil(q * latencies.length) - 1));
    return latencies[index] / 1e6;
  }

  /** The server's CPU time per delivered event, in microseconds: steadier than events/s on a shared machine. */
  double cpuMicrosPerEvent() {
    return microsPerEvent(serverCpuNanos);
  }

  /** PostgreSQL's processes' CPU time per delivered event, in microseconds; NaN when not measured. */
  double databaseCpuMicrosPerEvent() {
    return microsPerEvent(databaseCpuNanos);
  }

  /** {@code nanos} (−1 when unknown) per delivered event, in microseconds; NaN when unknown or nothing was delivered. */
  private double microsPerEvent(long nanos) {
    return nanos < 0 || delivered == 0 ? Double.NaN : nanos / 1e3 / delivered;
  }

  /** The JIT compilers' share of the server's CPU in this phase (0..1); NaN when unknown. */
  double jitShare() {
    return serverCpuNanos <= 0 || serverJitNanos < 0 ? Double.NaN : (double) serverJitNanos / serverCpuNanos;
  }

  String summary() {
    return String.format("%d streams × %d tokens: %,d events in %,.0f ms = %,.0f events/s%s%s;"
        + " added latency p50 %.2f ms, p99 %.2f ms, max %.2f ms%s%s",
        streams, tokensEach, delivered, wallNanos / 1e6, eventsPerSecond(),
        serverCpuNanos < 0 ? "" : String.format(", server CPU %,.0f ms = %.1f µs/event (JIT compilers %.0f %% of it%s)",
            serverCpuNanos / 1e6, cpuMicrosPerEvent(), 100 * jitShare(),
            serverMinorFaults < 0 ? "" : String.format("; %,d page faults", serverMinorFaults)),
        databaseCpuNanos < 0 ? "" : String.format(", PostgreSQL's processes CPU %,.0f ms = %.1f µs/event", databaseCpuNanos / 1e6,
            databaseCpuMicrosPerEvent()),
        latencyMs(0.5), latencyMs(0.99), latencyMs(1.0),
        sched == null ? "" : String.format("; server threads on a CPU %,.0f ms, waiting for one %,.0f ms; load generator on a CPU %,.0f ms",
            sched.server().onCpuNanos() / 1e6, sched.server().waitingNanos() / 1e6, sched.loadGeneratorNanos() / 1e6),
        problems.isEmpty() ? "" : "; PROBLEMS: " + problems);
  }

  /**
   * One stream as a client sees it: its tokens in order (checked against the index the upstream
   * stamped in each), their latencies, the seq numbers of the runtime's envelopes (checked for gaps)
   * and how it ended. Fed on one connection's event loop; read after {@link #done} completes.
   */
  static final class Collector {
    final int expected;
    final long[] latencies;
    /** When the upstream wrote each token ({@link System#nanoTime()}), beside {@link #latencies}. */
    final long[] written;
    final Promise<Void> done = Promise.promise();
    int received;
    /** {@link #received}, for the thread that watches for progress. */
    volatile int progress;
    int misordered;
    long lastSeq = -1;
    int seqGaps;
    long endNanos;
    String status;
    String failure;

    Collector(int expected) {
      this.expected = expected;
      this.latencies = new long[expected];
      this.written = new long[expected];
    }

    void token(String text, long nowNanos) {
      int index = LoadUpstream.Stamp.index(text);
      if (index != received) {
        misordered++;
      }
      if (received < latencies.length && index >= 0) {
        written[received] = LoadUpstream.Stamp.nanos(text);
        latencies[received] = nowNanos - written[received];
      }
      received++;
      progress = received;
    }

    void seq(long seq) {
      if (lastSeq >= 0 && seq != lastSeq + 1) {
        seqGaps++;
      }
      lastSeq = seq;
    }

    void end(String endStatus, long nowNanos) {
      status = endStatus;
      endNanos = nowNanos;
      done.tryComplete();
    }

    void fail(String why) {
      if (failure == null) {
        failure = why;
      }
      endNanos = System.nanoTime();
      done.tryComplete();
    }

    Future<Void> future() {
      return done.future();
    }

    /** Null when the stream was whole and in order. */
    String problem() {
      if (failure != null) {
        return failure;
      }
      if (!done.future().isComplete()) {
        return "not finished: " + received + " of " + expected + " tokens";
      }
      if (!"completed".equals(status)) {
        return "ended with status " + status;
      }
      if (received != expected) {
        return received + " of " + expected + " tokens";
      }
      if (misordered > 0) {
        return misordered + " tokens out of order";
      }
      if (seqGaps > 0) {
        return seqGaps + " gaps in seq";
      }
      return null;
    }
  }
}
