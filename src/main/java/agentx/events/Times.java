package agentx.events;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * Timestamps as the wire wants them: ISO-8601 UTC, millisecond precision, {@code Z}. Fixed width, so
 * text order is time order. Every event gets one, so it is formatted by hand (a
 * {@code DateTimeFormatter} with fractions went through {@code BigDecimal} and was a tenth of the
 * engine's CPU under load): the date and time up to the second are cached per second.
 */
public final class Times {
  /** The second last formatted and its text up to the seconds ({@code 2026-01-02T10:00:00}). */
  private record SecondPrefix(long epochSecond, String text) {}

  private static volatile SecondPrefix cached = new SecondPrefix(Long.MIN_VALUE, "");

  private Times() {}

  public static String now() {
    return format(System.currentTimeMillis());
  }

  public static String format(Instant instant) {
    return format(instant.toEpochMilli());
  }

  public static String format(long epochMilli) {
    long second = Math.floorDiv(epochMilli, 1000);
    int millis = (int) Math.floorMod(epochMilli, 1000);
    SecondPrefix prefix = cached;
    if (prefix.epochSecond() != second) {
      prefix = new SecondPrefix(second, prefix(second));
      cached = prefix;
    }
    StringBuilder out = new StringBuilder(24).append(prefix.text()).append('.');
    if (millis < 100) {
      out.append('0');
    }
    if (millis < 10) {
      out.append('0');
    }
    return out.append(millis).append('Z').toString();
  }

  private static String prefix(long epochSecond) {
    LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
    StringBuilder out = new StringBuilder(19);
    pad(out, t.getYear(), 4).append('-');
    pad(out, t.getMonthValue(), 2).append('-');
    pad(out, t.getDayOfMonth(), 2).append('T');
    pad(out, t.getHour(), 2).append(':');
    pad(out, t.getMinute(), 2).append(':');
    pad(out, t.getSecond(), 2);
    return out.toString();
  }

  private static StringBuilder pad(StringBuilder out, int value, int width) {
    String digits = Integer.toString(value);
    for (int i = digits.length(); i < width; i++) {
      out.append('0');
    }
    return out.append(digits);
  }
}
