package agentx.tools.comfyui;

import io.vertx.core.json.JsonObject;

/**
 * A UI-format workflow that cannot be turned into the API format. The message is a sentence for
 * a person that names the node; {@link #nodeId()} and {@link #nodeType()} say the same for code.
 *
 * <p>Not a {@link ToolRefusal} (package-private, tool-call vocabulary) nor a {@link ComfyUiException}
 * (an HTTP call to ComfyUI that failed): the converter is pure and does no call; a caller turns
 * this into whichever refusal fits where it runs, e.g. {@code new ToolRefusal(e.getMessage(), e.details())}.
 */
public final class UiConversionException extends RuntimeException {
  private final String nodeId;
  private final String nodeType;

  UiConversionException(String nodeId, String nodeType, String sentence) {
    super(sentence, null, false, false);
    this.nodeId = nodeId;
    this.nodeType = nodeType;
  }

  /**
   * The node the conversion stopped at, as its API id would be ({@code "12"}, or {@code "12:5"} inside a
   * subgraph or group node); null when the problem is the workflow as a whole.
   */
  public String nodeId() {
    return nodeId;
  }

  /** The node's UI {@code type} (its class name, a subgraph id or {@code workflow>name}), or null. */
  public String nodeType() {
    return nodeType;
  }

  /** {@code {node_id, node_type}}, the fields ComfyUI's own errors carry in {@code extra_info}. */
  public JsonObject details() {
    return new JsonObject().put("node_id", nodeId).put("node_type", nodeType);
  }
}
