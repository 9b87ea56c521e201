package agentx.tools.comfyui;

import agentx.events.ErrorCode;
import agentx.tools.Tool;
import agentx.tools.ToolContext;
import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/** Small edits of the session's workflow; each is checked against /object_info and saved as a new version. */
final class EditTools {
  private static final int SAVE_ATTEMPTS = 3;
  private final ComfyUiClient client;
  private final SessionWorkflows sessions;
  private final WorkflowValidator validator = new WorkflowValidator();

  EditTools(ComfyUiClient client, SessionWorkflows sessions) {
    this.client = client;
    this.sessions = sessions;
  }

  List<Tool> tools() {
    return List.of(modifyNode(), addNode(), removeNode(), connectNodes());
  }

  private Tool modifyNode() {
    ToolSpec spec = new ToolSpec("modify_node",
        "Set input values of one node of the session's workflow, e.g. {\"steps\": 30, \"cfg\": 6.5} or"
            + " {\"ckpt_name\": \"sd_xl_base_1.0.safetensors\"}. Values are checked like ComfyUI does (type, min/max,"
            + " allowed values) and a bad one is refused with the closest valid values. A link value is"
            + " [\"<node_id>\", <output_index>]; null clears an input. Other inputs are left as they are.",
        Schemas.object()
            .string("node_id", "Id of the node to change (a string, e.g. \"3\")", true)
            .anyObject("inputs", "Input name -> new value", true)
            .build(),
        Schemas.hints(false, false), null);
    return edit(spec, (args, edits) -> {
      String nodeId = Args.string(args, "node_id");
      JsonObject inputs = Args.object(args, "inputs");
      return workflow -> edits.modifyNode(workflow, nodeId, inputs);
    });
  }

  private Tool addNode() {
    ToolSpec spec = new ToolSpec("add_node",
        "Add a node of an installed class to the session's workflow (find the class with search_nodes). Optional"
            + " literal inputs and links are checked; inputs still missing are listed so you can connect them next"
            + " with connect_nodes. Answers the new node's id and its outputs by index.",
        Schemas.object()
            .string("class_type", "Node class, e.g. 'LoraLoader'", true)
            .anyObject("inputs", "Initial inputs: literal values, or links [\"<node_id>\", <output_index>]", false)
            .string("node_id", "Id for the new node; default: the next free number", false)
            .string("title", "Title shown in ComfyUI (_meta.title); default: the class's display name", false)
            .build(),
        Schemas.hints(false, false), null);
    return edit(spec, (args, edits) -> {
      String classType = Args.string(args, "class_type");
      JsonObject inputs = args.getValue("inputs") == null ? null : Args.object(args, "inputs");
      String nodeId = Args.optString(args, "node_id");
      String title = Args.optString(args, "title");
      return workflow -> edits.addNode(workflow, classType, inputs, nodeId, title);
    });
  }

  private Tool removeNode() {
    ToolSpec spec = new ToolSpec("remove_node",
        "Remove a node from the session's workflow. Inputs of other nodes that were linked to it are disconnected"
            + " and listed as dangling_links, so you can reconnect them.",
        Schemas.object().string("node_id", "Id of the node to remove", true).build(),
        Schemas.hints(false, true), null);
    return edit(spec, (args, edits) -> {
      String nodeId = Args.string(args, "node_id");
      return workflow -> edits.removeNode(workflow, nodeId);
    });
  }

  private Tool connectNodes() {
    ToolSpec spec = new ToolSpec("connect_nodes",
        "Link an output of one node to an input of another in the session's workflow (replacing what the input had)."
            + " The output's type must fit the input's type (e.g. MODEL into model, CLIP into clip) and the link must"
            + " not create a cycle; a mismatch is refused with the outputs that would fit.",
        Schemas.object()
            .string("from_node", "Id of the node that produces the value", true)
            .property("from_output", new JsonObject().put("description",
                "Output index (0-based, as in /object_info 'output') or the output's name/type, e.g. 0 or 'CLIP'")
                .put("type", new JsonArray().add("integer").add("string")), true)
            .string("to_node", "Id of the node that receives it", true)
            .string("to_input", "Input name on to_node, e.g. 'clip'", true)
            .build(),
        Schemas.hints(false, false), null);
    return edit(spec, (args, edits) -> {
      String from = Args.string(args, "from_node");
      Object output = args.getValue("from_output");
      if (output == null) {
        throw new ToolRefusal("The argument 'from_output' is required (an output index or name).");
      }
      String to = Args.string(args, "to_node");
      String input = Args.string(args, "to_input");
      return workflow -> edits.connectNodes(workflow, from, output, to, input);
    });
  }

  /**
   * The shared flow: read the latest version, apply the checked edit, save it as the next version,
   * answer with what is still wrong. Edits of one session queue here; an edit made elsewhere in the
   * meantime (another tools node, a PUT from the canvas) makes the save fail with WORKFLOW_CONFLICT,
   * and the edit is made again on the new version.
   */
  private Tool edit(ToolSpec spec,
      BiFunction<JsonObject, WorkflowEdits, Function<JsonObject, WorkflowEdits.Edit>> plan) {
    return new FunctionTool(spec, (args, ctx) -> sessions.serialized(ctx, () -> client.objectInfo().compose(info -> {
      WorkflowEdits edits = new WorkflowEdits(new NodeCatalog(info));
      Function<JsonObject, WorkflowEdits.Edit> change = plan.apply(args, edits);
      return applyAndSave(ctx, change, info, 1);
    })));
  }

  private Future<ToolResult> applyAndSave(ToolContext ctx, Function<JsonObject, WorkflowEdits.Edit> change, JsonObject objectInfo, int attempt) {
    return SessionWorkflows.latest(ctx).compose(latest -> {
      WorkflowEdits.Edit edit = change.apply(latest.getJsonObject("workflow"));
      return save(ctx, edit, objectInfo, latest.getLong("version")).recover(failure ->
          attempt < SAVE_ATTEMPTS && ErrorCode.of(failure) == ErrorCode.WORKFLOW_CONFLICT
              ? applyAndSave(ctx, change, objectInfo, attempt + 1)
              : Future.failedFuture(failure));
    });
  }

  private Future<ToolResult> save(ToolContext ctx, WorkflowEdits.Edit edit, JsonObject objectInfo, long baseVersion) {
    return ctx.workflows().save(SessionWorkflows.sessionId(ctx), edit.workflow(), edit.description(), baseVersion)
        .map(saved -> ToolResult.json(edit.report().copy()
            .put("version", saved.getValue("version"))
            .put("validation", ValidationSummary.of(validator.validate(edit.workflow(), objectInfo)))));
  }
}
