package agentx.tools.comfyui;

import agentx.protocol.WorkflowFormat;
import agentx.tools.Tool;
import agentx.tools.ToolContext;
import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Reading, replacing and validating the session's workflow (API format, versioned). */
final class WorkflowTools {
  private final ComfyUiClient client;
  private final SessionWorkflows sessions;
  private final WorkflowValidator validator = new WorkflowValidator();

  WorkflowTools(ComfyUiClient client, SessionWorkflows sessions) {
    this.client = client;
    this.sessions = sessions;
  }

  List<Tool> tools() {
    return List.of(getWorkflow(), updateWorkflow(), validateWorkflow());
  }

  private Tool getWorkflow() {
    ToolSpec spec = new ToolSpec("get_workflow",
        "Get the session's current ComfyUI workflow in API format ({node_id: {class_type, inputs, _meta}}; a link is"
            + " [\"<node_id>\", <output_index>]) with its version number. Start here before changing or debugging a"
            + " workflow.",
        Schemas.object().build(), Schemas.hints(true, false), null);
    return new FunctionTool(spec, (args, ctx) -> ctx.workflows().current(SessionWorkflows.sessionId(ctx))
        .map(current -> {
          if (current == null) {
            return ToolResult.json(new JsonObject().put("version", 0).putNull("workflow").put("note",
                "This session has no workflow yet. Ask the user to send theirs (API format) or build one with"
                    + " add_node / update_workflow."));
          }
          JsonObject workflow = current.getJsonObject("workflow", new JsonObject());
          return ToolResult.json(current.copy().put("node_count", workflow.size()));
        }));
  }

  private Tool updateWorkflow() {
    ToolSpec spec = new ToolSpec("update_workflow",
        "Replace the session's whole workflow with a new one in API format (saved as a new version; older versions"
            + " stay restorable). UI-format JSON (with 'nodes' and 'links' arrays, as ComfyUI saves it) is converted to"
            + " the API format with the node catalogue. The answer includes a"
            + " validation of the new workflow. For small changes prefer modify_node, add_node, remove_node and"
            + " connect_nodes.",
        Schemas.object()
            .anyObject("workflow", "The workflow in API format: {\"3\": {\"class_type\": \"KSampler\", \"inputs\": {...}}}", true)
            .string("description", "One line saying what changed, kept in the version history", false)
            .build(),
        Schemas.hints(false, true), null);
    return new FunctionTool(spec, (args, ctx) -> {
      String description = Args.optString(args, "description");
      return toApiFormat(Args.object(args, "workflow")).compose(workflow -> sessions.serialized(ctx, () -> ctx.workflows()
          .save(SessionWorkflows.sessionId(ctx), workflow, description == null ? "workflow replaced" : description))
          .compose(saved -> validationOrNote(workflow).map(validation -> ToolResult.json(new JsonObject()
              .put("version", saved.getValue("version")).put("node_count", workflow.size())
              .put("validation", validation)))));
    });
  }

  /**
   * A workflow in either format as the API format: UI saves are converted with ComfyUI's node
   * catalogue (a conversion that cannot be made is refused, naming the node and why).
   */
  Future<JsonObject> toApiFormat(JsonObject candidate) {
    return toApiFormat(client, candidate);
  }

  static Future<JsonObject> toApiFormat(ComfyUiClient client, JsonObject candidate) {
    if (!WorkflowFormat.isUiFormat(candidate)) {
      return Future.succeededFuture(apiFormat(candidate));
    }
    return client.objectInfo().map(info -> {
      try {
        return UiWorkflowConverter.toApi(candidate, info);
      } catch (UiConversionException e) {
        throw new ToolRefusal(e.getMessage());
      }
    });
  }

  /** The new workflow is the user's: save it even when ComfyUI is down, and say validation was skipped. */
  private Future<JsonObject> validationOrNote(JsonObject workflow) {
    return client.objectInfo()
        .map(info -> ValidationSummary.of(validator.validate(workflow, info)))
        .recover(err -> Future.succeededFuture(new JsonObject().put("skipped",
            "Not validated: " + err.getMessage())));
  }

  private Tool validateWorkflow() {
    ToolSpec spec = new ToolSpec("validate_workflow",
        "Check a workflow offline against the node definitions of the user's ComfyUI, the way ComfyUI validates a"
            + " prompt: unknown node classes, missing required inputs, values not in a list (e.g. a model file that"
            + " is not installed), numbers out of range or of the wrong type, broken or mistyped links, cycles and a"
            + " missing output node. Answers ComfyUI's own error types per node plus a one-line fix for each."
            + " Validates the session's workflow unless 'workflow' is given.",
        Schemas.object().anyObject("workflow", "A workflow in API format to check instead of the session's", false)
            .build(),
        Schemas.hints(true, false), null);
    return new FunctionTool(spec, (args, ctx) -> {
      Future<JsonObject> workflow = args.containsKey("workflow")
          ? Future.succeededFuture(apiFormat(Args.object(args, "workflow")))
          : SessionWorkflows.required(ctx).map(current -> current.getJsonObject("workflow"));
      return workflow.compose(w -> client.objectInfo().map(info -> ToolResult.json(validator.validate(w, info))));
    });
  }

  /**
   * Accepts API format, also wrapped as a /prompt body ({@code {"prompt": {...}}}); refuses UI format
   * and anything whose nodes are not {@code {class_type, inputs}} objects.
   */
  static JsonObject apiFormat(JsonObject candidate) {
    if (WorkflowFormat.isUiFormat(candidate)) {
      throw new ToolRefusal(WorkflowFormat.UI_FORMAT_EXPLANATION);
    }
    JsonObject workflow = candidate;
    if (candidate.size() >= 1 && candidate.getValue("prompt") instanceof JsonObject inner
        && !(inner.getValue("class_type") instanceof String)) {
      workflow = inner;
    }
    JsonArray bad = new JsonArray();
    for (String id : workflow.fieldNames()) {
      if (!(workflow.getValue(id) instanceof JsonObject node) || !(node.getValue("class_type") instanceof String)
          || (node.containsKey("inputs") && !(node.getValue("inputs") instanceof JsonObject))) {
        bad.add(id);
      }
    }
    if (!bad.isEmpty()) {
      throw new ToolRefusal("This is not a workflow in API format: every top-level key must be a node id whose value"
          + " is {\"class_type\": ..., \"inputs\": {...}}.", new JsonObject().put("bad_keys", bad));
    }
    // a node without inputs has empty ones: stored as every workflow is (PUT /workflow refuses a node without them)
    JsonObject complete = workflow.copy();
    for (String id : complete.fieldNames()) {
      JsonObject node = complete.getJsonObject(id);
      if (!node.containsKey("inputs")) {
        node.put("inputs", new JsonObject());
      }
    }
    return complete;
  }
}
