package agentx.tools;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Versioned workflows per session (API format). Every save is a new version, starting at 1. */
public interface WorkflowStore {
  /** {@code {version, workflow, description, updated_at}}, or null when the session has none yet. */
  Future<JsonObject> current(String sessionId);

  /** Saves a new version; answers {@code {version, workflow, description, updated_at}}. */
  Future<JsonObject> save(String sessionId, JsonObject workflow, String description);

  /** {@code [{version, description, updated_at}]}, newest first. */
  Future<JsonArray> versions(String sessionId);

  /** One version, or null. */
  Future<JsonObject> version(String sessionId, int version);
}
