package agentx.api.mcp;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live sessions. One registry per Vert.x instance, shared by every {@link McpHttpHandler} (the
 * HTTP verticle may be deployed several times; a client's requests can land on any instance). In a
 * cluster with several HTTP nodes, MCP clients need sticky routing, as SockJS clients do.
 */
final class McpSessionRegistry implements Shareable {
  private static final String SHARED_NAME = "agentx.mcp.sessions";

  private final Map<String, McpSession> sessions = new ConcurrentHashMap<>();

  static McpSessionRegistry shared(Vertx vertx) {
    return vertx.sharedData().<String, McpSessionRegistry>getLocalMap(SHARED_NAME)
        .computeIfAbsent("registry", k -> new McpSessionRegistry());
  }

  /**
   * Opens a session, first forgetting idle ones (no timer needed: sessions only pile up when new
   * ones are created). Null when {@code maxSessions} are still live.
   */
  McpSession open(String protocolVersion, JsonObject clientInfo, Duration idleTimeout, int maxSessions) {
    long idleNanos = idleTimeout.toNanos();
    sessions.values().removeIf(s -> s.idleLongerThan(idleNanos));
    if (sessions.size() >= maxSessions) {
      return null;
    }
    McpSession session = new McpSession(UUID.randomUUID().toString(), protocolVersion, clientInfo);
    sessions.put(session.id(), session);
    return session;
  }

  /** The session, marked as used; null when unknown, expired or deleted. */
  McpSession find(String id) {
    McpSession session = sessions.get(id);
    if (session != null) {
      session.touch();
    }
    return session;
  }

  /** Forgets the session and cancels its running calls; false when it was not known. */
  boolean close(String id) {
    McpSession session = sessions.remove(id);
    if (session == null) {
      return false;
    }
    session.cancelAll();
    return true;
  }

  int size() {
    return sessions.size();
  }
}
