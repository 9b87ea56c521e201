package agentx.tools;

import agentx.protocol.SaveWorkflow;
import agentx.protocol.StoreClient;
import agentx.protocol.WorkflowVersion;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The session workflows, kept by the store service and reached through its client. One per tool
 * call: the store announces each save as a {@code workflow} event naming the turn and the call.
 */
public final class BusWorkflowStore implements WorkflowStore {
  private final StoreClient store;
  private final String turnId;
  private final String toolCallId;

  public BusWorkflowStore(StoreClient store, String turnId, String toolCallId) {
    this.store = store;
    this.turnId = turnId;
    this.toolCallId = toolCallId;
  }

  @Override
  public Future<JsonObject> current(String sessionId) {
    return store.workflow(sessionId, null).map(BusWorkflowStore::json);
  }

  @Override
  public Future<JsonObject> save(String sessionId, JsonObject workflow, String description, Long baseVersion) {
    return store.saveWorkflow(new SaveWorkflow(sessionId, workflow.encode(), description, baseVersion, SaveWorkflow.TOOL, turnId,
        toolCallId)).map(WorkflowVersion::toJson);
  }

  @Override
  public Future<JsonArray> versions(String sessionId) {
    return store.workflowVersions(sessionId).map(list -> {
      JsonArray out = new JsonArray();
      list.forEach(v -> out.add(v.toJson()));
      return out;
    });
  }

  @Override
  public Future<JsonObject> version(String sessionId, int version) {
    return store.workflow(sessionId, (long) version).map(BusWorkflowStore::json);
  }

  private static JsonObject json(WorkflowVersion version) {
    return version == null ? null : version.toJson();
  }
}
