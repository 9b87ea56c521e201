package agentx.api.mcp;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One MCP client connection as the Streamable HTTP transport sees it: created by {@code initialize},
 * named by the {@code Mcp-Session-Id} header. Accessed from several event loops, hence thread-safe.
 */
final class McpSession {
  private final String id;
  private final String protocolVersion;
  private final JsonObject clientInfo;
  private final Map<String, Runnable> inFlight = new ConcurrentHashMap<>();
  private volatile long lastSeenNanos = System.nanoTime();

  McpSession(String id, String protocolVersion, JsonObject clientInfo) {
    this.id = id;
    this.protocolVersion = protocolVersion;
    this.clientInfo = clientInfo;
  }

  String id() {
    return id;
  }

  String protocolVersion() {
    return protocolVersion;
  }

  JsonObject clientInfo() {
    return clientInfo;
  }

  void touch() {
    lastSeenNanos = System.nanoTime();
  }

  boolean idleLongerThan(long nanos) {
    return inFlight.isEmpty() && System.nanoTime() - lastSeenNanos > nanos;
  }

  /** Registers a cancellable request; false when a request with that id is already running. */
  boolean track(String idKey, Runnable cancel) {
    return inFlight.putIfAbsent(idKey, cancel) == null;
  }

  /** Forgets a finished request, unless the id has meanwhile been reused by another one. */
  void untrack(String idKey, Runnable cancel) {
    inFlight.remove(idKey, cancel);
  }

  /** Cancels the running request with that id; false when there is none (finished or unknown). */
  boolean cancel(String idKey) {
    Runnable cancel = inFlight.remove(idKey);
    if (cancel == null) {
      return false;
    }
    cancel.run();
    return true;
  }

  void cancelAll() {
    inFlight.keySet().forEach(this::cancel);
  }
}
