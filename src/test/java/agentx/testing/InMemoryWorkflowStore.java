package agentx.testing;

import agentx.tools.WorkflowStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Versioned workflows in memory. Workflows are kept as JSON text, like a database column, so a
 * test sees exactly what survives encoding (e.g. a 2^64-1 seed).
 */
public final class InMemoryWorkflowStore implements WorkflowStore {
  private record Version(int version, String workflowJson, String description, String updatedAt) {
    JsonObject toJson() {
      return new JsonObject().put("version", version).put("workflow", new JsonObject(workflowJson))
          .put("description", description).put("updated_at", updatedAt);
    }
  }

  private final Map<String, List<Version>> sessions = new ConcurrentHashMap<>();

  @Override
  public synchronized Future<JsonObject> current(String sessionId) {
    List<Version> versions = sessions.get(sessionId);
    return Future.succeededFuture(versions == null || versions.isEmpty() ? null
        : versions.get(versions.size() - 1).toJson());
  }

  @Override
  public synchronized Future<JsonObject> save(String sessionId, JsonObject workflow, String description, Long baseVersion) {
    List<Version> versions = sessions.computeIfAbsent(sessionId, k -> new ArrayList<>());
    if (baseVersion != null && baseVersion != versions.size()) {
      return Future.failedFuture(new agentx.events.AgentXException(agentx.events.ErrorCode.WORKFLOW_CONFLICT,
          "The workflow is now version " + versions.size() + ", the edit was based on version " + baseVersion + "."));
    }
    Version v = new Version(versions.size() + 1, workflow.encode(), description, Instant.now().toString());
    versions.add(v);
    return Future.succeededFuture(v.toJson());
  }

  @Override
  public synchronized Future<JsonArray> versions(String sessionId) {
    JsonArray result = new JsonArray();
    List<Version> versions = sessions.getOrDefault(sessionId, List.of());
    for (int i = versions.size() - 1; i >= 0; i--) {
      Version v = versions.get(i);
      result.add(new JsonObject().put("version", v.version()).put("description", v.description())
          .put("updated_at", v.updatedAt()));
    }
    return Future.succeededFuture(result);
  }

  @Override
  public synchronized Future<JsonObject> version(String sessionId, int version) {
    List<Version> versions = sessions.getOrDefault(sessionId, List.of());
    return Future.succeededFuture(version >= 1 && version <= versions.size() ? versions.get(version - 1).toJson() : null);
  }

  public synchronized int count(String sessionId) {
    return sessions.getOrDefault(sessionId, List.of()).size();
  }
}
