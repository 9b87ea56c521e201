package agentx.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The streaming benchmark's result: a Markdown table plus start-up times, and where it goes. */
final class BenchReport {
  static final double TARGET_RATIO = 0.8;

  private final Settings settings;
  private final LocalDateTime when;
  private final StreamBenchmark.Machine machine;
  final List<Row> rows = new ArrayList<>();
  final List<String> startups = new ArrayList<>();
  long upstreamTokens;

  BenchReport(Settings settings, LocalDateTime when, StreamBenchmark.Machine machine) {
    this.settings = settings;
    this.when = when;
    this.machine = machine;
  }

  /** One backend at one C: the floor's and the runtime's runs and the checks. */
  static final class Row {
    final String backend;
    final int sessions;
    final int tokens;
    Phase floor;
    Phase floorPaced;
    Phase runtime;
    Phase runtimePaced;
    long serverPeakKb = -1;
    long relayPeakKb = -1;
    long startupMs = -1;
    int floorWarmups;
    int runtimeWarmups;
    long persisted = -1;
    long persistedExpected;
    /** The storing floor's runs (SQLite rows with bench.storingRelay), or null. */
    Relayed storing;
    String slowClient = "not run";
    boolean slowOk;
    final List<String> problems = new ArrayList<>();

    Row(String backend, int sessions, int tokens) {
      this.backend = backend;
      this.sessions = sessions;
      this.tokens = tokens;
    }

    /** The runtime's events/s over the storing floor's. */
    double storingRatio() {
      return storing == null ? Double.NaN : runtimeOver(storing.unpaced());
    }

    double ratio() {
      return runtimeOver(floor);
    }

    /** The runtime's unpaced events/s over {@code base}'s; NaN when either is missing. */
    private double runtimeOver(Phase base) {
      return base == null || runtime == null || base.eventsPerSecond() == 0 ? Double.NaN
          : runtime.eventsPerSecond() / base.eventsPerSecond();
    }

    /** Every correctness failure of this row (never a timing). */
    List<String> allProblems() {
      List<String> all = new ArrayList<>();
      String where = backend + " C=" + sessions + ": ";
      for (var phase : List.of(named("floor", floor), named("floor paced", floorPaced), named("runtime", runtime),
          named("runtime paced", runtimePaced))) {
        if (phase.phase == null) {
          all.add(where + phase.name + " did not run");
        } else if (!phase.phase.ok()) {
          all.add(where + phase.undelivered());
        }
      }
      if (storing != null) {
        // a storing floor that did not run has its failure in problems already
        for (var phase : List.of(named("storing floor", storing.unpaced()), named("storing floor paced", storing.paced()))) {
          if (phase.phase != null && !phase.phase.ok()) {
            all.add(where + phase.undelivered());
          }
        }
        if (storing.unpaced() != null && storing.stored() != storing.storedExpected()) {
          all.add(where + "the storing floor stored " + storing.stored() + " token events, expected " + storing.storedExpected());
        }
      }
      if (persisted != persistedExpected) {
        all.add(where + "persisted " + persisted + " stream events, expected " + persistedExpected);
      }
      if (!slowOk) {
        all.add(where + "slow client: " + slowClient);
      }
      problems.forEach(p -> all.add(where + p));
      return all;
    }

    private static Named named(String name, Phase phase) {
      return new Named(name, phase);
    }

    private record Named(String name, Phase phase) {
      String undelivered() {
        return name + ": " + phase.delivered + " of " + phase.expected() + " tokens delivered " + phase.problems;
      }
    }
  }

  /**
   * A relay's runs in one process: its warm-up rounds, the unpaced and the paced run (null when it
   * failed before them), its peak RSS, and for the storing floor the token events it stored in the
   * unpaced run against the run's tokens (-1 for the raw relay).
   */
  record Relayed(Phase unpaced, Phase paced, int warmups, long peakKb, long stored, long storedExpected) {}

  List<String> problems() {
    List<String> all = new ArrayList<>();
    rows.forEach(r -> all.addAll(r.allProblems()));
    return all;
  }

  String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("### ").append(when.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"))).append(", ").append(machine).append("\n\n");
    md.append("Settings: ").append(settings).append(".\n\n");
    md.append("| backend | C | tokens | floor events/s | runtime events/s | ratio | server CPU µs/event: floor → runtime"
        + " | server peak RSS MiB | relay peak RSS MiB"
        + " | added latency paced, p50 / p99 ms: floor → runtime | added latency unpaced, p50 / p99 ms: floor → runtime"
        + " | persisted stream events | slow client |\n");
    md.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|---|---|\n");
    for (Row r : rows) {
      md.append("| ").append(r.backend)
          .append(" | ").append(String.format("%,d", r.sessions))
          .append(" | ").append(r.tokens)
          .append(" | ").append(rate(r.floor))
          .append(" | ").append(rate(r.runtime))
          .append(" | ").append(Double.isNaN(r.ratio()) ? "–" : String.format("%.2f %s", r.ratio(), r.ratio() >= TARGET_RATIO ? "✓" : "✗"))
          .append(" | ").append(cpu(r.floor)).append(" → ").append(cpu(r.runtime))
          .append(" | ").append(mib(r.serverPeakKb))
          .append(" | ").append(mib(r.relayPeakKb))
          .append(" | ").append(latency(r.floorPaced)).append(" → ").append(latency(r.runtimePaced))
          .append(" | ").append(latency(r.floor)).append(" → ").append(latency(r.runtime))
          .append(" | ").append(String.format("%,d / %,d %s", r.persisted, r.persistedExpected, r.persisted == r.persistedExpected ? "✓" : "✗"))
          .append(" | ").append(r.slowClient)
          .append(" |\n");
    }
    md.append('\n');
    for (Row r : rows) {
      md.append("- ").append(r.backend).append(", C=").append(r.sessions).append(": runtime start-up to a healthy `/health` ")
          .append(String.format("%,d ms", r.startupMs)).append(r == rows.get(0) ? " (new database: migrations included)" : "")
          .append(String.format("; warm-up rounds: relay %d, runtime %d; JIT compilers' share of the server's CPU in the unpaced run: relay %s, runtime %s;"
              + " page faults in it (memory touched for the first time): relay %s, runtime %s",
              r.floorWarmups, r.runtimeWarmups, jit(r.floor), jit(r.runtime), faults(r.floor), faults(r.runtime)))
          .append(databaseCpu(r))
          .append(sched(r.floorPaced, r.runtimePaced, "relay")).append('\n');
    }
    startups.stream().filter(Objects::nonNull).forEach(s -> md.append("- ").append(s).append('\n'));
    storingTable(md);
    md.append("- upstream tokens written in the whole run (warm-ups included): ").append(String.format("%,d", upstreamTokens)).append('\n');
    List<String> problems = problems();
    md.append("- correctness checks: ").append(problems.isEmpty() ? "all passed" : "FAILED: " + String.join("; ", problems)).append('\n');
    return md.toString();
  }

  /**
   * The storing floor beside the runtime, for the rows that have it: what persist-then-publish costs
   * on the relay's path with nothing else, so the runtime's ratio to it is what the runtime adds.
   */
  private void storingTable(StringBuilder md) {
    List<Row> storing = rows.stream().filter(r -> r.storing != null).toList();
    if (storing.isEmpty()) {
      return;
    }
    md.append("\nThe storing floor: the relay writing each event to a SQLite file (one writer thread, every waiting event in one"
        + " transaction, in multi-row statements of up to 32 rows as the runtime's store, WAL, `synchronous=NORMAL`) before it forwards it; its own process, in the same row's run.\n\n");
    md.append("| backend | C | storing floor events/s | runtime events/s | runtime ÷ storing floor | server CPU µs/event: storing floor → runtime"
        + " | added latency paced, p50 / p99 ms: storing floor → runtime | storing floor peak RSS MiB | token events stored by the floor |\n");
    md.append("|---|--:|--:|--:|--:|--:|---|--:|---|\n");
    for (Row r : storing) {
      Relayed f = r.storing;
      md.append("| ").append(r.backend)
          .append(" | ").append(String.format("%,d", r.sessions))
          .append(" | ").append(rate(f.unpaced()))
          .append(" | ").append(rate(r.runtime))
          .append(" | ").append(Double.isNaN(r.storingRatio()) ? "–" : String.format("%.2f", r.storingRatio()))
          .append(" | ").append(cpu(f.unpaced())).append(" → ").append(cpu(r.runtime))
          .append(" | ").append(latency(f.paced())).append(" → ").append(latency(r.runtimePaced))
          .append(" | ").append(mib(f.peakKb()))
          .append(" | ").append(f.unpaced() == null ? "–" : String.format("%,d / %,d %s", f.stored(), f.storedExpected(),
              f.stored() == f.storedExpected() ? "✓" : "✗"))
          .append(" |\n");
    }
    md.append('\n');
    for (Row r : storing) {
      md.append("- ").append(r.backend).append(", C=").append(r.sessions).append(": storing floor warm-up rounds ").append(r.storing.warmups())
          .append(sched(r.storing.paced(), r.runtimePaced, "storing floor")).append('\n');
    }
  }

  /**
   * The paced runs as the scheduler saw them, per second of the run: the server's threads on a CPU and
   * runnable but waiting for one, the load generator's on a CPU (empty without /proc's schedstat);
   * {@code floorName} names the floor's side.
   */
  private static String sched(Phase floor, Phase runtime, String floorName) {
    if (floor == null || runtime == null || floor.sched == null || runtime.sched == null) {
      return "";
    }
    Phase.SchedView f = floor.sched;
    Phase.SchedView r = runtime.sched;
    return String.format("; paced run, per second: server threads on a CPU %,.0f → %,.0f ms, waiting for one %,.0f → %,.0f ms;"
        + " load generator on a CPU %,.0f → %,.0f ms (%s → runtime)",
        f.perSecond(f.server().onCpuNanos()), r.perSecond(r.server().onCpuNanos()),
        f.perSecond(f.server().waitingNanos()), r.perSecond(r.server().waitingNanos()),
        f.perSecond(f.loadGeneratorNanos()), r.perSecond(r.loadGeneratorNanos()), floorName);
  }

  /** PostgreSQL's own processes' CPU per event in the runtime's runs (not in the server CPU column); empty for SQLite. */
  private static String databaseCpu(Row r) {
    if (r.runtime == null || Double.isNaN(r.runtime.databaseCpuMicrosPerEvent())) {
      return "";
    }
    return String.format("; PostgreSQL's own processes (not in the server CPU column): %.1f µs of CPU per event unpaced, %s per paced token",
        r.runtime.databaseCpuMicrosPerEvent(),
        r.runtimePaced == null || Double.isNaN(r.runtimePaced.databaseCpuMicrosPerEvent()) ? "–"
            : String.format("%.1f µs", r.runtimePaced.databaseCpuMicrosPerEvent()));
  }

  private static String faults(Phase phase) {
    return phase == null || phase.serverMinorFaults < 0 ? "–" : String.format("%,d", phase.serverMinorFaults);
  }

  private static String jit(Phase phase) {
    return phase == null || Double.isNaN(phase.jitShare()) ? "–" : String.format("%.1f %%", 100 * phase.jitShare());
  }

  private static String rate(Phase phase) {
    return phase == null ? "–" : String.format("%,.0f", phase.eventsPerSecond());
  }

  private static String cpu(Phase phase) {
    return phase == null || Double.isNaN(phase.cpuMicrosPerEvent()) ? "–" : String.format("%.1f", phase.cpuMicrosPerEvent());
  }

  private static String mib(long kb) {
    return kb < 0 ? "–" : String.format("%,.0f", kb / 1024.0);
  }

  private static String latency(Phase phase) {
    return phase == null || phase.latencies.length == 0 ? "–" : String.format("%.1f / %.1f", phase.latencyMs(0.5), phase.latencyMs(0.99));
  }

  /** target/…/report.md always; the section of docs/PERFORMANCE.md when {@link Settings#write()}. */
  void write(Settings settings) throws IOException {
    String section = markdown();
    Files.createDirectories(settings.workDir());
    Files.writeString(settings.workDir().resolve("report.md"), section);
    if (settings.write()) {
      writeSection(settings.docs(), section);
    }
  }

  /** Replaces what is between the markers (or appends a new section with them). */
  static void writeSection(Path docs, String section) throws IOException {
    String text = Files.isRegularFile(docs) ? Files.readString(docs) : "# Performance\n";
    String block = StreamBenchmark.SECTION_START + "\n" + section + StreamBenchmark.SECTION_END;
    int start = text.indexOf(StreamBenchmark.SECTION_START);
    int end = text.indexOf(StreamBenchmark.SECTION_END);
    if (start >= 0 && end > start) {
      text = text.substring(0, start) + block + text.substring(end + StreamBenchmark.SECTION_END.length());
    } else {
      text = text.stripTrailing() + "\n\n## Streaming benchmark (issue 10)\n\n" + block + "\n";
    }
    Files.writeString(docs, text);
  }
}
