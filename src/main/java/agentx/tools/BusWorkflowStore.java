package agentx.tools;

import agentx.protocol.Addresses;
import agentx.protocol.Bus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The session workflows, kept by the store verticle and reached over the bus. */
public final class BusWorkflowStore implements WorkflowStore {
  private final Vertx vertx;

  public BusWorkflowStore(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public Future<JsonObject> current(String sessionId) {
    return Bus.request(vertx, Addresses.STORE_WORKFLOW_GET, new JsonObject().put("session_id", sessionId))
        .map(r -> r.getJsonObject("workflow"));
  }

  @Override
  public Future<JsonObject> save(String sessionId, JsonObject workflow, String description, Long baseVersion) {
    return Bus.request(vertx, Addresses.STORE_WORKFLOW_SAVE, new JsonObject().put("session_id", sessionId)
        .put("workflow_json", workflow.encode()).put("description", description).put("base_version", baseVersion));
  }

  @Override
  public Future<JsonArray> versions(String sessionId) {
    return Bus.request(vertx, Addresses.STORE_WORKFLOW_VERSIONS, new JsonObject().put("session_id", sessionId))
        .map(r -> r.getJsonArray("versions"));
  }

  @Override
  public Future<JsonObject> version(String sessionId, int version) {
    return Bus.request(vertx, Addresses.STORE_WORKFLOW_GET, new JsonObject().put("session_id", sessionId).put("version", version))
        .map(r -> r.getJsonObject("workflow"));
  }
}
