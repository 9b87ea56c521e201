package agentx.protocol;

import io.vertx.core.json.JsonObject;

/**
 * Saves a new version of a session's workflow. The workflow travels as its JSON text so numbers
 * beyond a long survive unchanged. The store also appends a {@code workflow} event (in the same
 * transaction) so every subscriber of the session sees the change.
 *
 * @param baseVersion save only if the current version is still this one (0: none yet), else
 *     WORKFLOW_CONFLICT; null saves unconditionally
 * @param source who changed it: {@link #USER} (a PUT, the canvas), {@link #TOOL} (an edit tool) or {@link #RESTORE}
 * @param turnId the turn whose tool made the change, or null
 * @param toolCallId the tool call that made the change, or null
 */
public record SaveWorkflow(String sessionId, String workflowJson, String description, Long baseVersion, String source, String turnId,
    String toolCallId) {
  public static final String USER = "user";
  public static final String TOOL = "tool";
  public static final String RESTORE = "restore";

  public SaveWorkflow(String sessionId, JsonObject workflow, String description, Long baseVersion, String source) {
    this(sessionId, workflow.encode(), description, baseVersion, source, null, null);
  }

  public JsonObject toJson() {
    return new JsonObject().put("session_id", sessionId).put("workflow_json", workflowJson).put("description", description)
        .put("base_version", baseVersion).put("source", source).put("turn_id", turnId).put("tool_call_id", toolCallId);
  }

  public static SaveWorkflow fromJson(JsonObject json) {
    return new SaveWorkflow(json.getString("session_id"), json.getString("workflow_json"), json.getString("description"),
        json.getLong("base_version"), json.getString("source", USER), json.getString("turn_id"), json.getString("tool_call_id"));
  }

  /** The {@code workflow} event's data once saved: {@code {version, workflow, source, tool_call_id?}}. */
  public JsonObject eventData(WorkflowVersion saved) {
    JsonObject data = new JsonObject().put("version", saved.version()).put("workflow", saved.workflow()).put("source", source)
        .put("description", saved.description());
    return toolCallId == null ? data : data.put("tool_call_id", toolCallId);
  }
}
