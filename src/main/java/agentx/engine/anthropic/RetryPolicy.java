package agentx.engine.anthropic;

import io.vertx.core.MultiMap;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ThreadLocalRandom;

/** When and how long to wait before trying a failed request again, as the official SDKs do. */
final class RetryPolicy {
  /** A server asking for a longer pause than this is not retried: the caller hears about it instead. */
  static final long MAX_RETRY_AFTER_MS = 60_000;

  private final long baseDelayMs;
  private final long maxDelayMs;

  RetryPolicy(long baseDelayMs, long maxDelayMs) {
    this.baseDelayMs = baseDelayMs;
    this.maxDelayMs = maxDelayMs;
  }

  /** {@code x-should-retry} decides first; otherwise timeouts, conflicts, rate limits and 5xx. */
  static boolean isRetryable(int status, MultiMap headers) {
    String shouldRetry = headers.get("x-should-retry");
    if ("true".equals(shouldRetry)) {
      return true;
    }
    if ("false".equals(shouldRetry)) {
      return false;
    }
    return status == 408 || status == 409 || status == 429 || status >= 500;
  }

  /** The pause the server asked for in {@code retry-after-ms} or {@code retry-after}, or null. */
  static Long retryAfterMs(MultiMap headers, Instant now) {
    Long ms = parseNumber(headers.get("retry-after-ms"), 1);
    if (ms != null) {
      return ms;
    }
    String retryAfter = headers.get("retry-after");
    if (retryAfter == null) {
      return null;
    }
    Long seconds = parseNumber(retryAfter, 1000);
    if (seconds != null) {
      return seconds;
    }
    try {
      Instant at = ZonedDateTime.parse(retryAfter.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return Math.max(0, Duration.between(now, at).toMillis());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** Exponential backoff for the retry after {@code retriesSoFar} retries, with 0–25 % jitter taken off. */
  long backoffMs(int retriesSoFar) {
    double delay = Math.min(baseDelayMs * Math.pow(2, retriesSoFar), maxDelayMs);
    double jitter = 1 - ThreadLocalRandom.current().nextDouble() * 0.25;
    return Math.round(delay * jitter);
  }

  private static Long parseNumber(String value, long scale) {
    if (value == null) {
      return null;
    }
    try {
      double number = Double.parseDouble(value.trim());
      return number >= 0 && Double.isFinite(number) ? Math.round(number * scale) : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
