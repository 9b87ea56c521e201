package agentx.engine.anthropic;

import java.net.URI;
import java.util.Objects;

/**
 * Settings of an {@link AnthropicClient}.
 *
 * @param baseUrl e.g. {@code https://api.anthropic.com} or {@code http://127.0.0.1:8080}; a path
 *     prefix (a proxy) is kept, {@code /v1/messages} is appended
 * @param idleTimeoutMs longest silence allowed between received lines, headers included
 * @param maxRetries retries after the first attempt
 */
public record AnthropicOptions(
    String baseUrl,
    String apiKey,
    String anthropicVersion,
    long connectTimeoutMs,
    long idleTimeoutMs,
    int maxRetries,
    long baseRetryDelayMs,
    long maxRetryDelayMs) {

  public static final String DEFAULT_VERSION = "2023-06-01";

  public AnthropicOptions {
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(anthropicVersion, "anthropicVersion");
    String scheme = URI.create(baseUrl).getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new IllegalArgumentException("baseUrl must start with http:// or https://, got " + baseUrl);
    }
    if (connectTimeoutMs <= 0 || idleTimeoutMs <= 0 || maxRetries < 0 || baseRetryDelayMs < 0 || maxRetryDelayMs < 0) {
      throw new IllegalArgumentException("timeouts must be positive, retries and delays not negative");
    }
  }

  /** The defaults of the official SDKs: 2 retries, 0.5 s doubling up to 8 s; 10 s connect, 60 s idle. */
  public static AnthropicOptions of(String baseUrl, String apiKey) {
    return new AnthropicOptions(baseUrl, apiKey, DEFAULT_VERSION, 10_000, 60_000, 2, 500, 8_000);
  }

  public AnthropicOptions withIdleTimeoutMs(long ms) {
    return new AnthropicOptions(
        baseUrl, apiKey, anthropicVersion, connectTimeoutMs, ms, maxRetries, baseRetryDelayMs, maxRetryDelayMs);
  }

  public AnthropicOptions withConnectTimeoutMs(long ms) {
    return new AnthropicOptions(
        baseUrl, apiKey, anthropicVersion, ms, idleTimeoutMs, maxRetries, baseRetryDelayMs, maxRetryDelayMs);
  }

  public AnthropicOptions withRetries(int maxRetries, long baseRetryDelayMs, long maxRetryDelayMs) {
    return new AnthropicOptions(
        baseUrl, apiKey, anthropicVersion, connectTimeoutMs, idleTimeoutMs, maxRetries, baseRetryDelayMs, maxRetryDelayMs);
  }

  /** Leaves the API key out, so options can be logged. */
  @Override
  public String toString() {
    return "AnthropicOptions[baseUrl=" + baseUrl
        + ", apiKey=" + (apiKey.isEmpty() ? "<none>" : "***")
        + ", anthropicVersion=" + anthropicVersion
        + ", connectTimeoutMs=" + connectTimeoutMs
        + ", idleTimeoutMs=" + idleTimeoutMs
        + ", maxRetries=" + maxRetries
        + ", baseRetryDelayMs=" + baseRetryDelayMs
        + ", maxRetryDelayMs=" + maxRetryDelayMs + "]";
  }
}
