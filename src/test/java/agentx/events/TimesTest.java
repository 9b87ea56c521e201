package agentx.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Times")
class TimesTest {
  private static final DateTimeFormatter REFERENCE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  @Test
  @DisplayName("formats exactly as the ISO pattern does, across seconds, days, years and millisecond padding")
  void matchesTheReferenceFormatter() {
    long[] fixed = {0L, 999L, 1_000L, 1_767_348_000_123L, 1_767_348_000_007L, 1_767_348_000_070L, 951_782_400_000L, 4_102_444_799_999L};
    for (long ms : fixed) {
      assertThat(Times.format(ms)).isEqualTo(REFERENCE.format(Instant.ofEpochMilli(ms)));
    }
    for (int i = 0; i < 10_000; i++) {
      long ms = ThreadLocalRandom.current().nextLong(0, 4_102_444_800_000L);
      assertThat(Times.format(ms)).isEqualTo(REFERENCE.format(Instant.ofEpochMilli(ms)));
    }
    assertThat(Times.now()).hasSize(24).endsWith("Z");
  }
}
