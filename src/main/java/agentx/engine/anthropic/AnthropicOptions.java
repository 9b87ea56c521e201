package agentx.engine.anthropic;

import agentx.config.Urls;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of an {@link AnthropicClient}.
 *
 * @param baseUrl e.g. {@code https://api.anthropic.com} or {@code http://127.0.0.1:8080}; a path
 *     prefix (a proxy) is kept, {@code /v1/messages} is appended
 * @param apiKey sent as {@code x-api-key}; empty for none
 * @param authToken sent as {@code Authorization: Bearer} (gateways), instead of the API key; empty for none
 * @param headers extra headers for every request (a gateway's), sent after the standard ones
 * @param idleTimeoutMs longest silence allowed between received lines, headers included
 * @param maxRetries retries after the first attempt
 */
public record AnthropicOptions(
    String baseUrl,
    String apiKey,
    String authToken,
    Map<String, String> headers,
    String anthropicVersion,
    long connectTimeoutMs,
    long idleTimeoutMs,
    int maxRetries,
    long baseRetryDelayMs,
    long maxRetryDelayMs) {

  public static final String DEFAULT_VERSION = "2023-06-01";

  public AnthropicOptions {
    Objects.requireNonNull(baseUrl, "baseUrl");
    apiKey = apiKey == null ? "" : apiKey;
    authToken = authToken == null ? "" : authToken;
    headers = headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    Objects.requireNonNull(anthropicVersion, "anthropicVersion");
    String scheme = URI.create(baseUrl).getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new IllegalArgumentException("baseUrl must start with http:// or https://, got " + Urls.withoutCredentials(baseUrl));
    }
    if (connectTimeoutMs <= 0 || idleTimeoutMs <= 0 || maxRetries < 0 || baseRetryDelayMs < 0 || maxRetryDelayMs < 0) {
      throw new IllegalArgumentException("timeouts must be positive, retries and delays not negative");
    }
  }

  /** The defaults of the official SDKs: 2 retries, 0.5 s doubling up to 8 s; 10 s connect, 60 s idle. */
  public static AnthropicOptions of(String baseUrl, String apiKey) {
    return new AnthropicOptions(baseUrl, apiKey, "", Map.of(), DEFAULT_VERSION, 10_000, 60_000, 2, 500, 8_000);
  }

  /** A bearer token ({@code ANTHROPIC_AUTH_TOKEN}): sent as {@code Authorization: Bearer}, and then no {@code x-api-key}. */
  public AnthropicOptions withAuthToken(String token) {
    return new AnthropicOptions(baseUrl, apiKey, token, headers, anthropicVersion, connectTimeoutMs, idleTimeoutMs, maxRetries,
        baseRetryDelayMs, maxRetryDelayMs);
  }

  /** Extra headers ({@code ANTHROPIC_CUSTOM_HEADERS}) for every request. */
  public AnthropicOptions withHeaders(Map<String, String> extra) {
    return new AnthropicOptions(baseUrl, apiKey, authToken, extra, anthropicVersion, connectTimeoutMs, idleTimeoutMs, maxRetries,
        baseRetryDelayMs, maxRetryDelayMs);
  }

  public AnthropicOptions withIdleTimeoutMs(long ms) {
    return new AnthropicOptions(
        baseUrl, apiKey, authToken, headers, anthropicVersion, connectTimeoutMs, ms, maxRetries, baseRetryDelayMs, maxRetryDelayMs);
  }

  public AnthropicOptions withConnectTimeoutMs(long ms) {
    return new AnthropicOptions(
        baseUrl, apiKey, authToken, headers, anthropicVersion, ms, idleTimeoutMs, maxRetries, baseRetryDelayMs, maxRetryDelayMs);
  }

  public AnthropicOptions withRetries(int maxRetries, long baseRetryDelayMs, long maxRetryDelayMs) {
    return new AnthropicOptions(
        baseUrl, apiKey, authToken, headers, anthropicVersion, connectTimeoutMs, idleTimeoutMs, maxRetries, baseRetryDelayMs, maxRetryDelayMs);
  }

  /**
   * The credential headers: {@code Authorization: Bearer} when there is a token (a gateway's), else
   * {@code x-api-key} when there is a key, else none (a local gateway that needs none).
   */
  Map<String, String> authHeaders() {
    if (!authToken.isEmpty()) {
      return Map.of("authorization", "Bearer " + authToken);
    }
    if (!apiKey.isEmpty()) {
      return Map.of("x-api-key", apiKey);
    }
    return Map.of();
  }

  /** Every value that must never reach a log line or an error message: the key, the token, custom header values. */
  List<String> secrets() {
    List<String> secrets = new ArrayList<>();
    for (String s : List.of(apiKey, authToken)) {
      if (!s.isEmpty()) {
        secrets.add(s);
      }
    }
    headers.values().stream().filter(v -> v.length() >= 4).forEach(secrets::add);
    return secrets;
  }

  /** Leaves the credentials and header values out, so options can be logged. */
  @Override
  public String toString() {
    return "AnthropicOptions[baseUrl=" + Urls.withoutCredentials(baseUrl)
        + ", apiKey=" + (apiKey.isEmpty() ? "<none>" : "***")
        + ", authToken=" + (authToken.isEmpty() ? "<none>" : "***")
        + ", headers=" + headers.keySet()
        + ", anthropicVersion=" + anthropicVersion
        + ", connectTimeoutMs=" + connectTimeoutMs
        + ", idleTimeoutMs=" + idleTimeoutMs
        + ", maxRetries=" + maxRetries
        + ", baseRetryDelayMs=" + baseRetryDelayMs
        + ", maxRetryDelayMs=" + maxRetryDelayMs + "]";
  }
}
