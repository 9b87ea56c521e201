package agentx.events;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Timestamps as the wire wants them: ISO-8601 UTC, millisecond precision, {@code Z}. Fixed width, so text order is time order. */
public final class Times {
  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private Times() {}

  public static String now() {
    return ISO.format(Instant.now());
  }

  public static String format(Instant instant) {
    return ISO.format(instant);
  }
}
