package agentx.engine.anthropic;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A failed call to the Claude Messages API. The message is a sentence for a person and carries the
 * upstream error text, never the API key.
 */
public class AnthropicException extends RuntimeException {

  public enum Kind {
    RATE_LIMITED,
    OVERLOADED,
    AUTHENTICATION,
    PERMISSION,
    INVALID_REQUEST,
    NOT_FOUND,
    REQUEST_TOO_LARGE,
    UPSTREAM,
    TIMEOUT,
    CONNECTION,
    INCOMPLETE_STREAM,
    CANCELLED
  }

  private final Kind kind;
  private final int status;
  private final Long retryAfterMs;
  private final boolean contentStreamed;

  public AnthropicException(Kind kind, String message) {
    this(kind, message, 0, null, false, null);
  }

  public AnthropicException(
      Kind kind, String message, int status, Long retryAfterMs, boolean contentStreamed, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.status = status;
    this.retryAfterMs = retryAfterMs;
    this.contentStreamed = contentStreamed;
  }

  public Kind kind() {
    return kind;
  }

  /** The HTTP status of the failed answer, 0 when there was none (transport failure, stream error). */
  public int status() {
    return status;
  }

  /** How long the server asked us to wait before trying again, or null. */
  public Long retryAfterMs() {
    return retryAfterMs;
  }

  /** Whether part of the answer had already streamed when the failure happened. */
  public boolean contentStreamed() {
    return contentStreamed;
  }

  /** The same failure, recorded as happening after (or before) content streamed. */
  AnthropicException withContentStreamed(boolean streamed) {
    return new AnthropicException(kind, getMessage(), status, retryAfterMs, streamed, getCause());
  }

  /** The same failure with every occurrence of {@code secret} masked in its message. */
  AnthropicException redact(String secret) {
    return redact(secret == null ? List.of() : List.of(secret));
  }

  /** The same failure with every occurrence of each secret (key, token, header values) masked in its message. */
  AnthropicException redact(List<String> secrets) {
    String message = getMessage();
    if (message == null) {
      return this;
    }
    String masked = message;
    for (String secret : secrets) {
      if (secret != null && !secret.isEmpty()) {
        masked = masked.replace(secret, "***");
      }
    }
    return masked.equals(message) ? this
        : new AnthropicException(kind, masked, status, retryAfterMs, contentStreamed, getCause());
  }

  /** An {@code event: error} received inside a 200 stream. */
  static AnthropicException fromStreamError(JsonObject data, boolean contentStreamed) {
    JsonObject error = data.getJsonObject("error", new JsonObject());
    String type = error.getString("type", "api_error");
    Kind kind =
        switch (type) {
          case "overloaded_error" -> Kind.OVERLOADED;
          case "rate_limit_error" -> Kind.RATE_LIMITED;
          default -> Kind.UPSTREAM;
        };
    String message =
        "Claude stream failed (" + type + "): " + error.getString("message", "no message given");
    return new AnthropicException(kind, message, 0, null, contentStreamed, null);
  }

  /** A non-2xx answer, from its status and its {@code {type:"error", error:{type, message}}} body. */
  static AnthropicException fromHttpError(int status, String body, Long retryAfterMs) {
    String type = null;
    String upstream = null;
    try {
      JsonObject error = new JsonObject(body).getJsonObject("error");
      if (error != null) {
        type = error.getString("type");
        upstream = error.getString("message");
      }
    } catch (DecodeException | ClassCastException notJson) {
      // proxies and load balancers answer with HTML or plain text: show the start of it
      upstream = body.isBlank() ? null : abbreviate(body.strip(), 200);
    }
    StringBuilder message = new StringBuilder("Claude API answered HTTP ").append(status);
    if (type != null) {
      message.append(" (").append(type).append(')');
    }
    message.append(": ").append(upstream != null ? upstream : "no error message given");
    return new AnthropicException(kindOf(status, type), message.toString(), status, retryAfterMs, false, null);
  }

  private static Kind kindOf(int status, String errorType) {
    if (status == 529 || "overloaded_error".equals(errorType)) {
      return Kind.OVERLOADED;
    }
    return switch (status) {
      case 400 -> Kind.INVALID_REQUEST;
      case 401 -> Kind.AUTHENTICATION;
      case 403 -> Kind.PERMISSION;
      case 404 -> Kind.NOT_FOUND;
      case 408 -> Kind.TIMEOUT;
      case 413 -> Kind.REQUEST_TOO_LARGE;
      case 429 -> Kind.RATE_LIMITED;
      default -> status >= 500 ? Kind.UPSTREAM : Kind.INVALID_REQUEST;
    };
  }

  private static String abbreviate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "…";
  }
}
