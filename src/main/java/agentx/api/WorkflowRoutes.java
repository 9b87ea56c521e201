package agentx.api;

import static agentx.api.Requests.jsonBody;
import static agentx.api.Requests.onlyFields;
import static agentx.api.Requests.optionalObject;
import static agentx.api.Requests.optionalString;
import static agentx.api.Requests.sessionId;
import static agentx.api.Routes.json;

import agentx.protocol.Addresses;
import agentx.events.AgentXException;
import agentx.protocol.Bus;
import agentx.events.ErrorCode;
import agentx.tools.comfyui.WorkflowValidator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** The session's ComfyUI workflow (API format) and its versions: how a ComfyUI page pushes its canvas. */
final class WorkflowRoutes {
  private final Vertx vertx;

  WorkflowRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  void mount(Router api) {
    api.get("/sessions/:id/workflow").handler(json(200, this::current));
    api.put("/sessions/:id/workflow").handler(json(200, this::put));
    api.get("/sessions/:id/workflow/versions").handler(json(200, this::versions));
    api.post("/sessions/:id/workflow/restore").handler(json(200, this::restore));
  }

  private Future<JsonObject> current(RoutingContext ctx) {
    String id = sessionId(ctx);
    return Bus.request(vertx, Addresses.STORE_WORKFLOW_GET, new JsonObject().put("session_id", id)).map(r -> {
      JsonObject workflow = r.getJsonObject("workflow");
      if (workflow == null) {
        throw new AgentXException(ErrorCode.NOT_FOUND, "This session has no workflow yet; PUT one in API format.");
      }
      return workflow;
    });
  }

  private Future<JsonObject> put(RoutingContext ctx) {
    String id = sessionId(ctx);
    JsonObject body = jsonBody(ctx);
    onlyFields(body, "workflow", "description");
    JsonObject workflow = optionalObject(body, "workflow");
    if (workflow == null) {
      throw Requests.invalid("workflow is required: the graph in ComfyUI's API format.");
    }
    checkApiFormat(workflow);
    return save(id, workflow, optionalString(body, "description", 2_000));
  }

  /** API format: an object of node id → {class_type, inputs}. UI saves are refused with how to export the right one. */
  static void checkApiFormat(JsonObject workflow) {
    if (WorkflowValidator.isUiFormat(workflow)) {
      throw Requests.invalid(WorkflowValidator.UI_FORMAT_EXPLANATION);
    }
    for (String nodeId : workflow.fieldNames()) {
      Object node = workflow.getValue(nodeId);
      if (!(node instanceof JsonObject n) || !(n.getValue("class_type") instanceof String) || !(n.getValue("inputs") instanceof JsonObject)) {
        throw Requests.invalid("workflow." + nodeId + " must be a node {class_type, inputs} (ComfyUI's API format).");
      }
    }
  }

  private Future<JsonObject> save(String id, JsonObject workflow, String description) {
    return Bus.request(vertx, Addresses.STORE_WORKFLOW_SAVE, new JsonObject().put("session_id", id)
        .put("workflow_json", workflow.encode()).put("description", description));
  }

  private Future<JsonObject> versions(RoutingContext ctx) {
    String id = sessionId(ctx);
    return Bus.request(vertx, Addresses.STORE_WORKFLOW_VERSIONS, new JsonObject().put("session_id", id));
  }

  private Future<JsonObject> restore(RoutingContext ctx) {
    String id = sessionId(ctx);
    JsonObject body = jsonBody(ctx);
    onlyFields(body, "version");
    if (!(body.getValue("version") instanceof Number n) || n.longValue() < 1) {
      throw Requests.invalid("version must be a version number (1 or more).");
    }
    long version = ((Number) body.getValue("version")).longValue();
    return Bus.request(vertx, Addresses.STORE_WORKFLOW_GET, new JsonObject().put("session_id", id).put("version", version))
        .compose(r -> {
          JsonObject old = r.getJsonObject("workflow");
          if (old == null) {
            return Future.failedFuture(new AgentXException(ErrorCode.NOT_FOUND, "This session has no workflow version " + version + "."));
          }
          return save(id, old.getJsonObject("workflow"), "restored from version " + version);
        });
  }
}
