package agentx.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM the benchmark starts (the runtime from its fat jar, or the raw relay) with exactly the JVM
 * flags it is given, unlike {@code ServerProcess}, whose test flags (-Xmx256m, serial GC, C1 only)
 * would distort the numbers. Reads the process's memory from {@code /proc/<pid>/status}.
 */
final class BenchProcess implements AutoCloseable {
  private static final int KEPT_LINES = 200;

  private final String name;
  private final Process process;
  private final long startedNanos;
  private final Deque<String> lastLines = new ArrayDeque<>();
  private final List<Watch> watches = new ArrayList<>();
  /** Error lines by kind (timestamps, thread names, ids and numbers taken out), in order of first appearance. */
  private final Map<String, Integer> errors = new java.util.LinkedHashMap<>();

  private record Watch(Pattern pattern, CompletableFuture<Matcher> match) {}

  private BenchProcess(String name, Process process, long startedNanos) {
    this.name = name;
    this.process = process;
    this.startedNanos = startedNanos;
  }

  /** {@code java <jvmArgs> <mainArgs>} in {@code workDir} with {@code env} added to a clean AGENTX_/ANTHROPIC_ environment. */
  static BenchProcess start(String name, List<String> jvmArgs, List<String> mainArgs, Path workDir, Map<String, String> env)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmArgs);
    command.addAll(mainArgs);
    Files.createDirectories(workDir);
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("AGENTX_") || k.startsWith("ANTHROPIC_") || k.equals("JAVA_TOOL_OPTIONS"));
    builder.environment().putAll(env);
    long started = System.nanoTime();
    Process process = builder.start();
    BenchProcess bench = new BenchProcess(name, process, started);
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "stop-" + name));
    Path logFile = workDir.resolve(name + "-" + process.pid() + ".log");
    Thread reader = new Thread(() -> bench.read(logFile), name + "-output");
    reader.setDaemon(true);
    reader.start();
    return bench;
  }

  /** Copies the output to {@code <workDir>/<name>-<pid>.log} and keeps its last lines for messages. */
  private void read(Path logFile) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        BufferedWriter out = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        out.write(line);
        out.newLine();
        out.flush();
        synchronized (this) {
          lastLines.add(line);
          if (line.contains(" ERROR ") || line.contains("OutOfMemoryError") || line.startsWith("Exception in thread")) {
            errors.merge(kind(line), 1, Integer::sum);
          }
          if (lastLines.size() > KEPT_LINES) {
            lastLines.poll();
          }
          for (Watch w : watches) {
            Matcher m = w.pattern.matcher(line);
            if (m.find()) {
              w.match.complete(m);
            }
          }
        }
      }
    } catch (IOException ignored) {
      // the process went away
    }
    synchronized (this) {
      watches.forEach(w -> w.match.completeExceptionally(new IllegalStateException(name + " exited:\n" + log())));
    }
  }

  /** Waits for an output line matching {@code pattern} (a line printed after the process started). */
  Matcher await(Pattern pattern, long timeoutMs) throws Exception {
    CompletableFuture<Matcher> match = new CompletableFuture<>();
    synchronized (this) {
      for (String line : lastLines) {
        Matcher m = pattern.matcher(line);
        if (m.find()) {
          return m;
        }
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited:\n" + log());
      }
      watches.add(new Watch(pattern, match));
    }
    try {
      return match.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(name + " did not print " + pattern + ": " + e + "\n" + log(), e);
    }
  }

  long pid() {
    return process.pid();
  }

  long startedNanos() {
    return startedNanos;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the process to end on its own; its exit code, or -1 when it had not within {@code timeout}. */
  int waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    return process.waitFor(timeout, unit) ? process.exitValue() : -1;
  }

  /** Peak resident set size so far ({@code VmHWM}), in KiB. */
  long peakRssKb() {
    return status("VmHWM");
  }

  /** Resident set size now ({@code VmRSS}), in KiB. */
  long rssKb() {
    return status("VmRSS");
  }

  /** CPU time the process has used so far (user + system, all its threads, GC included), in nanoseconds; -1 without /proc. */
  long cpuNanos() {
    try {
      return cpuTicks(statFile()) * (1_000_000_000L / CLOCK_TICKS);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Minor page faults of the process so far (its threads', not its exited children's): each is a page of memory touched
   * for the first time, such as the heap's regions as the JVM grows it; -1 without /proc.
   */
  long minorFaults() {
    try {
      return Long.parseLong(statFields(statFile())[7]); // minflt: field 10 of stat
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private Path statFile() {
    return Path.of("/proc", String.valueOf(process.pid()), "stat");
  }

  /** User + system time in a {@code /proc/.../stat} file (a process's or one thread's), in clock ticks. */
  private static long cpuTicks(Path statFile) throws IOException {
    return cpuTicks(statFields(statFile));
  }

  /** User + system time of {@link #statFields}, in clock ticks. */
  static long cpuTicks(String[] fields) {
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime: fields 14 and 15 of stat
  }

  /**
   * The fields of a {@code /proc/.../stat} file after the command name, which is in parentheses and may hold
   * spaces: [0] is the state (field 3 of stat), [1] the parent's pid, [7] the minor page faults, [11] and [12] user and
   * system time.
   */
  static String[] statFields(Path statFile) throws IOException {
    String stat = Files.readString(statFile);
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }

  /** Reads one thread's folder of a {@code /proc/.../task} folder. */
  @FunctionalInterface
  private interface TaskReader {
    void read(Path task) throws IOException;
  }

  /**
   * Calls {@code reader} for each thread in {@code taskFolder}, skipping one that ended between the
   * listing and the read (or lacks the file asked for); false when the folder cannot be listed.
   */
  private static boolean eachTask(Path taskFolder, TaskReader reader) {
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(taskFolder)) {
      for (Path task : tasks) {
        try {
          reader.read(task);
        } catch (IOException | RuntimeException e) {
          // gone, or no such file (a kernel without schedstat)
        }
      }
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Threads' time on a CPU and runnable but waiting for one, in nanoseconds ({@code schedstat}'s first two fields). */
  record Sched(long onCpuNanos, long waitingNanos) {
    Sched minus(Sched before) {
      return new Sched(onCpuNanos - before.onCpuNanos, waitingNanos - before.waitingNanos);
    }
  }

  /**
   * The process's threads so far, from each one's {@code /proc/<pid>/task/<tid>/schedstat}; null
   * without it. The waiting time is how long threads that had work waited for a core: on two cores
   * shared with the load generator, the latency a token gets beyond its own path.
   */
  Sched sched() {
    return sched(taskFolder());
  }

  /** {@link #sched()} of the threads in a {@code /proc/.../task} folder ({@code /proc/self/task}: this JVM). */
  static Sched sched(Path taskFolder) {
    long[] sums = new long[3]; // on a CPU, waiting for one, threads read
    boolean listed = eachTask(taskFolder, task -> {
      String[] fields = Files.readString(task.resolve("schedstat")).trim().split(" ");
      long onCpu = Long.parseLong(fields[0]);
      long waiting = Long.parseLong(fields[1]);
      sums[0] += onCpu;
      sums[1] += waiting;
      sums[2]++;
    });
    return !listed || sums[2] == 0 ? null : new Sched(sums[0], sums[1]);
  }

  private Path taskFolder() {
    return Path.of("/proc", String.valueOf(process.pid()), "task");
  }

  /**
   * CPU time the process's JIT compiler threads ({@code C1 CompilerThre…}, {@code C2 CompilerThre…})
   * have used so far, in nanoseconds; -1 without /proc. A fresh JVM compiles for tens of seconds under
   * load on two cores: CPU that a server running for days spends once, so the warm-up lasts until
   * this stops growing.
   */
  long jitCpuNanos() {
    long[] ticks = {0};
    boolean listed = eachTask(taskFolder(), task -> {
      if (Files.readString(task.resolve("comm")).contains("CompilerThre")) {
        ticks[0] += cpuTicks(task.resolve("stat"));
      }
    });
    return listed ? ticks[0] * (1_000_000_000L / CLOCK_TICKS) : -1;
  }

  /** USER_HZ: 100 on every Linux the benchmark runs on (getconf CLK_TCK). */
  static final long CLOCK_TICKS = 100;

  private long status(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      // no /proc (not Linux) or the process is gone
    }
    return -1;
  }

  /** The error lines it printed (ERROR log lines, OutOfMemoryError, uncaught exceptions), counted by kind, OutOfMemoryError first, then the most frequent. */
  synchronized List<String> errors() {
    List<String> all = new ArrayList<>();
    // an OutOfMemoryError explains the rest, so it comes first however rare
    errors.entrySet().stream()
        .sorted(java.util.Comparator.<Map.Entry<String, Integer>, Boolean>comparing(e -> !e.getKey().contains("OutOfMemoryError"))
            .thenComparing(Map.Entry.<String, Integer>comparingByValue().reversed()))
        .limit(5)
        .forEach(e -> all.add(e.getValue() + " × " + e.getKey()));
    if (errors.size() > 5) {
      all.add("… " + (errors.size() - 5) + " more kinds of error lines");
    }
    return all;
  }

  private static String kind(String line) {
    String text = line.replaceFirst("^\\d\\d:\\d\\d:\\d\\d\\.\\d+\\s+", "").replaceFirst("\\[[^]]*\\]\\s*", "");
    text = text.replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>").replaceAll("\\d+", "N");
    return text.length() > 160 ? text.substring(0, 160) + "…" : text;
  }

  synchronized String log() {
    StringBuilder sb = new StringBuilder();
    for (String line : lastLines) {
      sb.append('[').append(name).append("] ").append(line).append('\n');
    }
    return sb.toString();
  }

  /** SIGTERM (shutdown hooks run, a JFR recording is dumped), then SIGKILL after 60 s. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
