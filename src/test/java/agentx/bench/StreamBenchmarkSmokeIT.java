package agentx.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Keeps the streaming benchmark working: its tiny size ({@code bench.smoke}) against the built jar,
 * asserting only what must hold whatever the machine's speed: every token delivered through the
 * relay, the storing floor and the runtime, every stream event persisted (by the runtime and by the
 * storing floor), the slow client's replay whole, the start-ups timed (plain, with the class-data
 * archive, the start-up floor's), the report written; and the runtime's clients on the event-bus bridge
 * and on Server-Sent Events. No timing is asserted.
 */
class StreamBenchmarkSmokeIT {

  @Test
  @DisplayName("the streaming benchmark at smoke size delivers and persists every event and writes its report")
  void smokeSize() throws Exception {
    System.setProperty("bench.smoke", "true");
    Settings settings = Settings.fromSystemProperties();
    assertThat(settings.write()).as("the smoke run must not rewrite docs/PERFORMANCE.md").isFalse();

    BenchReport report = new StreamBenchmark().measure(settings);

    assertThat(report.problems()).isEmpty();
    assertThat(report.rows).hasSize(settings.sessions().size() * settings.backends().size());
    for (BenchReport.Row row : report.rows) {
      assertThat(row.floor.delivered).isEqualTo((long) row.sessions * row.tokens);
      assertThat(row.storing.unpaced().delivered).isEqualTo((long) row.sessions * row.tokens);
      assertThat(row.storing.stored()).isEqualTo((long) row.sessions * row.tokens);
      assertThat(row.runtime.delivered).isEqualTo((long) row.sessions * row.tokens);
      assertThat(row.persisted).isEqualTo((long) row.sessions * row.tokens);
      assertThat(row.slowOk).as(row.slowClient).isTrue();
      assertThat(row.serverPeakKb).isPositive();
      assertThat(row.runtime.latencies).hasSize(row.sessions * row.tokens);
    }
    assertThat(report.startups).as("start-ups timed plain, with the class-data archive and the floor's")
        .anyMatch(line -> line != null && line.contains("with the class-data archive") && line.contains("the start-up floor"));
    Path written = settings.workDir().resolve("report.md");
    assertThat(Files.readString(written)).contains("| backend | C |", "| storing floor events/s |", "correctness checks: all passed");
  }

  @Test
  @DisplayName("its clients on the event-bus bridge and on Server-Sent Events get every event too (-Dbench.clients=bridge, sse)")
  void otherClients() throws Exception {
    Map<String, String> smaller = Map.of("bench.smoke", "true", "bench.sessions", "5", "bench.storingRelay", "false", "bench.startups", "0");
    for (String kind : List.of("bridge", "sse")) {
      smaller.forEach(System::setProperty);
      System.setProperty("bench.clients", kind);
      System.setProperty("bench.out", "target/stream-benchmark-smoke-" + kind);
      try {
        Settings settings = Settings.fromSystemProperties();
        BenchReport report = new StreamBenchmark().measure(settings);
        assertThat(report.problems()).as(kind).isEmpty();
        for (BenchReport.Row row : report.rows) {
          assertThat(row.runtime.delivered).as(kind).isEqualTo((long) row.sessions * row.tokens);
          assertThat(row.runtimePaced.delivered).as(kind).isPositive();
          assertThat(row.persisted).as(kind).isEqualTo((long) row.sessions * row.tokens);
        }
      } finally {
        smaller.keySet().forEach(System::clearProperty);
        System.clearProperty("bench.clients");
        System.clearProperty("bench.out");
      }
    }
  }
}
