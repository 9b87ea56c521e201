package agentx.protocol;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The two shapes of a ComfyUI workflow that cross the bus and the REST API: the API format the
 * runtime stores and runs ({@code {"<node id>": {class_type, inputs}}}) and the UI save format
 * ({@code nodes} and {@code links} arrays).
 */
public final class WorkflowFormat {
  /** The sentence given when a UI-format workflow arrives where the API format belongs. */
  public static final String UI_FORMAT_EXPLANATION =
      "This is a workflow in ComfyUI's UI save format (it has 'nodes' and 'links' arrays), but ComfyUI only runs"
          + " the API format: an object keyed by node id whose values are {class_type, inputs}. In ComfyUI use"
          + " \"Save (API Format)\" (new menu: Workflow > Export (API)), or enable the dev mode options in the"
          + " settings for the older \"Save (API Format)\" button, and send that file instead.";

  private WorkflowFormat() {}

  /** UI save format: top-level {@code nodes} and {@code links} arrays. */
  public static boolean isUiFormat(JsonObject json) {
    return json != null && json.getValue("nodes") instanceof JsonArray && json.getValue("links") instanceof JsonArray;
  }

  /** @throws AgentXException VALIDATION_FAILED unless every entry is a node {@code {class_type, inputs}} */
  public static void checkApiFormat(JsonObject workflow) {
    if (isUiFormat(workflow)) {
      throw new AgentXException(ErrorCode.VALIDATION_FAILED, UI_FORMAT_EXPLANATION);
    }
    for (String nodeId : workflow.fieldNames()) {
      Object node = workflow.getValue(nodeId);
      if (!(node instanceof JsonObject n) || !(n.getValue("class_type") instanceof String) || !(n.getValue("inputs") instanceof JsonObject)) {
        throw new AgentXException(ErrorCode.VALIDATION_FAILED,
            "workflow." + nodeId + " must be a node {class_type, inputs} (ComfyUI's API format).");
      }
    }
  }
}
