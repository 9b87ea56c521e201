package agentx.tools;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Versioned workflows per session (API format). Every save is a new version, starting at 1. */
public interface WorkflowStore {
  /** {@code {version, workflow, description, updated_at}}, or null when the session has none yet. */
  Future<JsonObject> current(String sessionId);

  /** Saves a new version; answers {@code {version, workflow, description, updated_at}}. */
  default Future<JsonObject> save(String sessionId, JsonObject workflow, String description) {
    return save(sessionId, workflow, description, null);
  }

  /**
   * Saves a new version if the current one is still {@code baseVersion} (0: none yet), else fails
   * with WORKFLOW_CONFLICT; null saves unconditionally.
   */
  Future<JsonObject> save(String sessionId, JsonObject workflow, String description, Long baseVersion);

  /** {@code [{version, description, updated_at}]}, newest first. */
  Future<JsonArray> versions(String sessionId);

  /** One version, or null. */
  Future<JsonObject> version(String sessionId, int version);
}
