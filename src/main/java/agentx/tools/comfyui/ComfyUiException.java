package agentx.tools.comfyui;

import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * A ComfyUI call that failed. The message is a sentence for a person (and for Claude) that always
 * names ComfyUI and its URL, because "connection refused" alone does not say which server is down.
 */
public class ComfyUiException extends RuntimeException {
  private final int status;
  private final transient JsonObject body;

  public ComfyUiException(String message, int status, JsonObject body) {
    super(message, null, false, false);
    this.status = status;
    this.body = body;
  }

  /** HTTP status ComfyUI answered, or 0 when it did not answer at all. */
  public int status() {
    return status;
  }

  /** ComfyUI's JSON error body (e.g. the 400 of POST /prompt with {@code error} and {@code node_errors}), or null. */
  public JsonObject body() {
    return body;
  }

  /** True when ComfyUI could not be reached or did not answer in time (as opposed to answering with an error). */
  public boolean unreachable() {
    return status == 0;
  }

  /** Maps a transport failure (refused, unknown host, timeout) to a sentence naming ComfyUI and its URL. */
  static ComfyUiException transport(String baseUrl, String call, Throwable failure, Duration timeout) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ComfyUiException known) {
        return known; // also when a body stream's refusal comes wrapped (a file too large to read)
      }
    }
    if (isTimeout(failure)) {
      return new ComfyUiException("ComfyUI at " + baseUrl + " did not answer " + call + " within "
          + seconds(timeout) + "; it may be busy or stuck", 0, null);
    }
    return new ComfyUiException("ComfyUI at " + baseUrl + " is not reachable: " + reason(failure), 0, null);
  }

  /** ComfyUI answered, but not with success. */
  static ComfyUiException http(String baseUrl, String call, int status, String bodyText) {
    JsonObject json = tryJson(bodyText);
    String snippet = bodyText == null || bodyText.isBlank() ? "(empty body)" : abbreviate(bodyText.strip(), 300);
    return new ComfyUiException("ComfyUI at " + baseUrl + " answered HTTP " + status + " to " + call + ": " + snippet,
        status, json);
  }

  static JsonObject tryJson(String text) {
    if (text == null || text.isBlank() || !text.strip().startsWith("{")) {
      return null;
    }
    try {
      return new JsonObject(text);
    } catch (RuntimeException notJson) {
      return null;
    }
  }

  private static boolean isTimeout(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException || t instanceof ConnectTimeoutException) {
        return true;
      }
      if (t.getClass().getSimpleName().contains("Timeout")) {
        return true;
      }
    }
    return false;
  }

  private static String reason(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return "connection refused";
      }
      if (t instanceof UnknownHostException) {
        return "unknown host " + t.getMessage();
      }
      if (t instanceof NoRouteToHostException) {
        return "no route to host";
      }
    }
    String message = failure.getMessage();
    return message == null || message.isBlank() ? failure.getClass().getSimpleName() : message;
  }

  private static String seconds(Duration timeout) {
    long ms = timeout.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
  }

  static String abbreviate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "…";
  }
}
