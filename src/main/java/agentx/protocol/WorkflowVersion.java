package agentx.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * One version of a session's workflow (API format), as REST and the tools see it. In a version list
 * {@code workflow} is null.
 */
public record WorkflowVersion(long version, JsonObject workflow, String description, String updatedAt) {
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("version", version);
    if (workflow != null) {
      json.put("workflow", workflow);
    }
    return json.put("description", description).put("updated_at", updatedAt);
  }

  public static WorkflowVersion fromJson(JsonObject json) {
    return json == null ? null : new WorkflowVersion(json.getLong("version", 0L), json.getJsonObject("workflow"),
        json.getString("description"), json.getString("updated_at"));
  }

  /** The store's answer to a lookup: {@code {workflow: version|null}}. */
  public static JsonObject lookupToJson(WorkflowVersion found) {
    return new JsonObject().put("workflow", found == null ? null : found.toJson());
  }

  public static WorkflowVersion lookupFromJson(JsonObject json) {
    return fromJson(json.getJsonObject("workflow"));
  }

  /** The store's answer to a version listing: {@code {versions:[…]}}, newest first. */
  public static JsonObject listToJson(List<WorkflowVersion> versions) {
    JsonArray out = new JsonArray();
    versions.forEach(v -> out.add(v.toJson()));
    return new JsonObject().put("versions", out);
  }

  public static List<WorkflowVersion> listFromJson(JsonObject json) {
    List<WorkflowVersion> out = new ArrayList<>();
    json.getJsonArray("versions", new JsonArray()).forEach(o -> out.add(fromJson((JsonObject) o)));
    return out;
  }
}
