package agentx.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * What dominated a JFR recording of the runtime: hot methods (self and inclusive CPU samples), the
 * busiest threads, allocation by class and by allocating method, and GC pauses. JDK 17's {@code jfr}
 * tool has no {@code view hot-methods} (that came in JDK 21), so this does the counting.
 *
 * <pre>
 * java -cp target/test-classes agentx.bench.JfrSummary recording.jfr [skip-seconds [seconds]]
 * </pre>
 * {@code skip-seconds} leaves out the first seconds of the recording (start-up, warm-up);
 * {@code seconds} limits the analysis to that many seconds after them (one phase of a run).
 */
public final class JfrSummary {
  private static final int TOP = 20;

  private JfrSummary() {}

  public static void main(String[] args) throws IOException {
    Path file = Path.of(args[0]);
    long skip = args.length > 1 ? Long.parseLong(args[1]) : 0;
    long span = args.length > 2 ? Long.parseLong(args[2]) : Long.MAX_VALUE / 2_000_000_000L;
    List<RecordedEvent> events = RecordingFile.readAllEvents(file);
    Instant first = events.stream().map(RecordedEvent::getStartTime).min(Comparator.naturalOrder()).orElse(Instant.EPOCH);
    Instant from = first.plusSeconds(skip);
    Instant to = from.plusSeconds(span);
    Map<String, Long> self = new HashMap<>();
    Map<String, Long> inclusive = new HashMap<>();
    Map<String, Long> threads = new HashMap<>();
    Map<String, Map<String, Long>> threadApp = new HashMap<>();
    Map<String, Long> selfPackage = new HashMap<>();
    Map<String, Long> allocClass = new HashMap<>();
    Map<String, Long> allocSite = new HashMap<>();
    Map<String, Long> allocAppSite = new HashMap<>();
    long samples = 0;
    long allocated = 0;
    long gcs = 0;
    Duration gcPause = Duration.ZERO;
    Duration longestPause = Duration.ZERO;
    long maxHeapUsed = 0;
    Instant last = first;
    for (RecordedEvent e : events) {
      if (e.getStartTime().isBefore(from) || e.getStartTime().isAfter(to)) {
        continue;
      }
      if (e.getEndTime().isAfter(last)) {
        last = e.getEndTime();
      }
      switch (e.getEventType().getName()) {
        case "jdk.ExecutionSample" -> {
          RecordedStackTrace stack = e.getStackTrace();
          if (stack == null || stack.getFrames().isEmpty()) {
            continue;
          }
          samples++;
          String top = name(stack.getFrames().get(0));
          self.merge(top, 1L, Long::sum);
          selfPackage.merge(pkg(stack.getFrames().get(0)), 1L, Long::sum);
          Set<String> seen = new HashSet<>();
          for (RecordedFrame f : stack.getFrames()) {
            if (seen.add(name(f))) {
              inclusive.merge(name(f), 1L, Long::sum);
            }
          }
          String thread = e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
          threads.merge(thread == null ? "?" : thread, 1L, Long::sum);
          String app = stack.getFrames().stream().filter(f -> f.getMethod().getType().getName().startsWith("agentx."))
              .findFirst().map(JfrSummary::name).orElse("(no agentx frame)");
          threadApp.computeIfAbsent(thread == null ? "?" : thread, k -> new HashMap<>()).merge(app, 1L, Long::sum);
        }
        case "jdk.ObjectAllocationSample" -> {
          long weight = e.getLong("weight");
          allocated += weight;
          allocClass.merge(e.getClass("objectClass").getName(), weight, Long::sum);
          RecordedStackTrace stack = e.getStackTrace();
          if (stack != null && !stack.getFrames().isEmpty()) {
            allocSite.merge(name(stack.getFrames().get(0)), weight, Long::sum);
            stack.getFrames().stream().filter(f -> f.getMethod().getType().getName().startsWith("agentx.")).findFirst()
                .ifPresent(f -> allocAppSite.merge(name(f), weight, Long::sum));
          }
        }
        case "jdk.GarbageCollection" -> {
          gcs++;
          Duration pause = e.getDuration("sumOfPauses");
          gcPause = gcPause.plus(pause);
          if (pause.compareTo(longestPause) > 0) {
            longestPause = pause;
          }
        }
        case "jdk.GCHeapSummary" -> maxHeapUsed = Math.max(maxHeapUsed, e.getLong("heapUsed"));
        default -> { }
      }
    }
    double seconds = Duration.between(from, last).toMillis() / 1000.0;
    System.out.printf("%s: %.1f s analysed (first %d s skipped), recording started %s%n%n", file, seconds, skip, first);
    System.out.printf("CPU: %,d execution samples%n", samples);
    print("hot methods (self)", self, samples, JfrSummary::pct);
    print("by package of the top frame (self)", selfPackage, samples, JfrSummary::pct);
    print("hot methods (inclusive: on the stack)", inclusive, samples, JfrSummary::pct);
    print("threads", threads, samples, JfrSummary::pct);
    threads.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(4).forEach(t -> {
      System.out.printf("%n  %s, first agentx frame from the top:%n", t.getKey());
      threadApp.get(t.getKey()).entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(6)
          .forEach(en -> System.out.printf("    %s  %s%n", pct(en.getValue(), t.getValue()), en.getKey()));
    });
    System.out.printf("%nAllocation: %,.0f MB sampled in all (%,.0f MB/s)%n", allocated / 1e6, allocated / 1e6 / Math.max(seconds, 0.001));
    print("allocated classes", allocClass, allocated, JfrSummary::mb);
    print("allocating methods (top frame)", allocSite, allocated, JfrSummary::mb);
    print("allocating methods (first agentx frame)", allocAppSite, allocated, JfrSummary::mb);
    System.out.printf("%nGC: %,d collections, %,d ms of pauses in all, longest %,d ms; largest heap used %,.0f MB%n",
        gcs, gcPause.toMillis(), longestPause.toMillis(), maxHeapUsed / 1e6);
  }

  private static String name(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  private static String pkg(RecordedFrame f) {
    String type = f.getMethod().getType().getName();
    String[] parts = type.split("\\.");
    return parts.length <= 2 ? type : parts[0] + "." + parts[1] + (parts.length > 3 ? "." + parts[2] : "");
  }

  private static String pct(long value, long total) {
    return String.format("%5.1f%%", 100.0 * value / Math.max(total, 1));
  }

  private static String mb(long value, long total) {
    return String.format("%,8.0f MB %5.1f%%", value / 1e6, 100.0 * value / Math.max(total, 1));
  }

  private interface Format {
    String apply(long value, long total);
  }

  private static void print(String title, Map<String, Long> counts, long total, Format format) {
    System.out.printf("%n%s:%n", title);
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(TOP)
        .forEach(en -> System.out.printf("  %s  %s%n", format.apply(en.getValue(), total), en.getKey()));
  }
}
