package agentx.cli;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;

/**
 * One log line, as {@code %d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n} and the stack trace
 * of a throwable ({@link LogSetup#PATTERN}) would write it, without Logback's pattern machinery: its parser, compiler and some
 * sixty converters are a hundred-odd classes and seventy lambdas loaded at every start for one fixed
 * pattern.
 */
final class LogLine extends LayoutBase<ILoggingEvent> {
  static final int LOGGER_LENGTH = 24;
  private final ZoneId zone = ZoneId.systemDefault();
  /** Logback's own {@code %ex}, made when the first throwable is logged. */
  private ThrowableProxyConverter stackTraces;

  @Override
  public String doLayout(ILoggingEvent event) {
    StringBuilder out = new StringBuilder(128);
    LocalTime time = LocalTime.ofInstant(Instant.ofEpochMilli(event.getTimeStamp()), zone);
    two(out, time.getHour()).append(':');
    two(out, time.getMinute()).append(':');
    two(out, time.getSecond()).append('.');
    int millis = time.getNano() / 1_000_000;
    out.append(millis < 100 ? (millis < 10 ? "00" : "0") : "").append(millis).append(' ');
    String level = event.getLevel().toString();
    out.append(level);
    for (int i = level.length(); i < 5; i++) {
      out.append(' ');
    }
    out.append(" [").append(event.getThreadName()).append("] ");
    abbreviate(out, event.getLoggerName(), LOGGER_LENGTH).append(" - ").append(event.getFormattedMessage())
        .append(CoreConstants.LINE_SEPARATOR);
    if (event.getThrowableProxy() != null) {
      out.append(stackTraces().convert(event));
    }
    return out.toString();
  }

  private synchronized ThrowableProxyConverter stackTraces() {
    if (stackTraces == null) {
      ThrowableProxyConverter converter = new ThrowableProxyConverter();
      converter.setContext(getContext());
      converter.start();
      stackTraces = converter;
    }
    return stackTraces;
  }

  private static StringBuilder two(StringBuilder out, int value) {
    return out.append(value < 10 ? "0" : "").append(value);
  }

  /**
   * {@code %logger{n}}: the name as is when it fits, else its packages cut to their first letter,
   * leftmost first, until it fits (the class name itself is never cut).
   */
  static StringBuilder abbreviate(StringBuilder out, String name, int target) {
    if (name == null || name.length() <= target) {
      return out.append(name);
    }
    String[] parts = name.split("\\.");
    int length = name.length();
    for (int i = 0; i < parts.length - 1; i++) {
      if (length > target && parts[i].length() > 1) {
        length -= parts[i].length() - 1;
        parts[i] = parts[i].substring(0, 1);
      }
    }
    return out.append(String.join(".", parts));
  }
}
