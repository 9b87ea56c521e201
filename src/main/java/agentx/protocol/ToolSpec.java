package agentx.protocol;

import io.vertx.core.json.JsonObject;
import java.util.regex.Pattern;

/**
 * What a tool tells Claude and MCP clients about itself.
 *
 * @param name Claude tool name, {@code ^[a-zA-Z0-9_-]{1,64}$}
 * @param description written for Claude: what it does, when to use it
 * @param inputSchema JSON Schema with {@code type: object}
 * @param annotations MCP annotations, e.g. {@code {readOnlyHint: true, destructiveHint: false}}
 * @param server "builtin" or the external MCP server's name
 */
public record ToolSpec(String name, String description, JsonObject inputSchema, JsonObject annotations, String server) {
  public static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9_-]{1,64}$");

  public ToolSpec {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("tool name must match " + NAME.pattern() + ": " + name);
    }
    if (!"object".equals(inputSchema.getString("type"))) {
      throw new IllegalArgumentException("input schema of " + name + " must have type object");
    }
    annotations = annotations == null ? new JsonObject() : annotations;
    server = server == null ? "builtin" : server;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("name", name)
        .put("description", description)
        .put("input_schema", inputSchema)
        .put("annotations", annotations)
        .put("server", server);
  }

  public static ToolSpec fromJson(JsonObject json) {
    return new ToolSpec(json.getString("name"), json.getString("description"), json.getJsonObject("input_schema"),
        json.getJsonObject("annotations"), json.getString("server"));
  }
}
