package agentx.engine.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private static final Instant NOW = Instant.parse("2025-10-21T12:00:00Z");

  private static MultiMap headers(String... namesAndValues) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      headers.add(namesAndValues[i], namesAndValues[i + 1]);
    }
    return headers;
  }

  @Test
  @DisplayName("408, 409, 429 and 5xx are retried; other 4xx are not")
  void retryableStatuses() {
    assertThat(RetryPolicy.isRetryable(408, headers())).isTrue();
    assertThat(RetryPolicy.isRetryable(409, headers())).isTrue();
    assertThat(RetryPolicy.isRetryable(429, headers())).isTrue();
    assertThat(RetryPolicy.isRetryable(500, headers())).isTrue();
    assertThat(RetryPolicy.isRetryable(529, headers())).isTrue();
    assertThat(RetryPolicy.isRetryable(400, headers())).isFalse();
    assertThat(RetryPolicy.isRetryable(401, headers())).isFalse();
    assertThat(RetryPolicy.isRetryable(413, headers())).isFalse();
  }

  @Test
  @DisplayName("x-should-retry overrides the status in both directions")
  void shouldRetryHeader() {
    assertThat(RetryPolicy.isRetryable(529, headers("x-should-retry", "false"))).isFalse();
    assertThat(RetryPolicy.isRetryable(400, headers("x-should-retry", "true"))).isTrue();
  }

  @Test
  @DisplayName("retry-after-ms wins over retry-after; seconds and HTTP dates are understood")
  void retryAfter() {
    assertThat(RetryPolicy.retryAfterMs(headers("retry-after-ms", "250", "retry-after", "9"), NOW)).isEqualTo(250L);
    assertThat(RetryPolicy.retryAfterMs(headers("retry-after", "11"), NOW)).isEqualTo(11_000L);
    assertThat(RetryPolicy.retryAfterMs(headers("retry-after", "1.5"), NOW)).isEqualTo(1_500L);
    assertThat(RetryPolicy.retryAfterMs(headers("retry-after", "Tue, 21 Oct 2025 12:00:07 GMT"), NOW)).isEqualTo(7_000L);
    assertThat(RetryPolicy.retryAfterMs(headers("retry-after", "soon"), NOW)).isNull();
    assertThat(RetryPolicy.retryAfterMs(headers(), NOW)).isNull();
  }

  @Test
  @DisplayName("backoff doubles from the base up to the max, less 0-25 % jitter")
  void backoff() {
    RetryPolicy policy = new RetryPolicy(500, 8_000);
    for (int i = 0; i < 50; i++) {
      assertThat(policy.backoffMs(0)).isBetween(375L, 500L);
      assertThat(policy.backoffMs(1)).isBetween(750L, 1_000L);
      assertThat(policy.backoffMs(10)).isBetween(6_000L, 8_000L);
    }
  }
}
