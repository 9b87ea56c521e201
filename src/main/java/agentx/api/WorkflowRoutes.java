package agentx.api;

import static agentx.api.Requests.jsonBody;
import static agentx.api.Requests.onlyFields;
import static agentx.api.Requests.optionalObject;
import static agentx.api.Requests.optionalString;
import static agentx.api.Requests.sessionId;
import static agentx.api.Routes.json;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.protocol.SaveWorkflow;
import agentx.protocol.StoreClient;
import agentx.protocol.ToolsClient;
import agentx.protocol.WorkflowFormat;
import agentx.protocol.WorkflowVersion;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** The session's ComfyUI workflow (API format) and its versions: how a ComfyUI page pushes its canvas. */
final class WorkflowRoutes {
  private final StoreClient store;
  private final ToolsClient tools;

  WorkflowRoutes(StoreClient store, ToolsClient tools) {
    this.store = store;
    this.tools = tools;
  }

  void mount(Router api) {
    api.get("/sessions/:id/workflow").handler(json(200, this::current));
    api.put("/sessions/:id/workflow").handler(json(200, this::put));
    api.get("/sessions/:id/workflow/versions").handler(json(200, this::versions));
    api.post("/sessions/:id/workflow/restore").handler(json(200, this::restore));
  }

  private Future<JsonObject> current(RoutingContext ctx) {
    return store.workflow(sessionId(ctx), null).map(workflow -> {
      if (workflow == null) {
        throw new AgentXException(ErrorCode.NOT_FOUND, "This session has no workflow yet; PUT one in API format.");
      }
      return workflow.toJson();
    });
  }

  private Future<JsonObject> put(RoutingContext ctx) {
    String id = sessionId(ctx);
    JsonObject body = jsonBody(ctx);
    onlyFields(body, "workflow", "description");
    JsonObject workflow = optionalObject(body, "workflow");
    if (workflow == null) {
      throw Requests.invalid("workflow is required: the graph in ComfyUI's API format or as ComfyUI saves it (UI format).");
    }
    String description = optionalString(body, "description", 2_000);
    if (WorkflowFormat.isUiFormat(workflow)) {
      // the session must exist before anything is converted; the conversion needs the tools service's node catalogue
      return store.session(id).compose(s -> tools.toApiFormat(workflow)).compose(api -> save(id, api, description, SaveWorkflow.USER));
    }
    WorkflowFormat.checkApiFormat(workflow);
    return save(id, workflow, description, SaveWorkflow.USER);
  }

  private Future<JsonObject> save(String id, JsonObject workflow, String description, String source) {
    return store.saveWorkflow(new SaveWorkflow(id, workflow, description, null, source)).map(WorkflowVersion::toJson);
  }

  private Future<JsonObject> versions(RoutingContext ctx) {
    return store.workflowVersions(sessionId(ctx)).map(WorkflowVersion::listToJson);
  }

  private Future<JsonObject> restore(RoutingContext ctx) {
    String id = sessionId(ctx);
    JsonObject body = jsonBody(ctx);
    onlyFields(body, "version");
    if (!(body.getValue("version") instanceof Number n) || n.doubleValue() < 1 || n.doubleValue() > Long.MAX_VALUE
        || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw Requests.invalid("version must be a version number (1 or more).");
    }
    long version = ((Number) body.getValue("version")).longValue();
    return store.workflow(id, version).compose(old -> old == null
        ? Future.failedFuture(new AgentXException(ErrorCode.NOT_FOUND, "This session has no workflow version " + version + "."))
        : save(id, old.workflow(), "restored from version " + version, SaveWorkflow.RESTORE));
  }
}
