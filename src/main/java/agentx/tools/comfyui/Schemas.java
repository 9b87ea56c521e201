package agentx.tools.comfyui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Small builder for the tools' JSON Schemas (type object, described properties, required list). */
final class Schemas {
  private final JsonObject properties = new JsonObject();
  private final JsonArray required = new JsonArray();

  static Schemas object() {
    return new Schemas();
  }

  Schemas string(String name, String description, boolean isRequired) {
    return property(name, new JsonObject().put("type", "string").put("description", description), isRequired);
  }

  Schemas integer(String name, String description, int minimum, int maximum, boolean isRequired) {
    return property(name, new JsonObject().put("type", "integer").put("description", description)
        .put("minimum", minimum).put("maximum", maximum), isRequired);
  }

  Schemas bool(String name, String description, boolean isRequired) {
    return property(name, new JsonObject().put("type", "boolean").put("description", description), isRequired);
  }

  Schemas anyObject(String name, String description, boolean isRequired) {
    return property(name, new JsonObject().put("type", "object").put("description", description), isRequired);
  }

  Schemas stringArray(String name, String description, boolean isRequired) {
    return property(name, new JsonObject().put("type", "array").put("description", description)
        .put("items", new JsonObject().put("type", "string")).put("minItems", 1), isRequired);
  }

  Schemas property(String name, JsonObject schema, boolean isRequired) {
    properties.put(name, schema);
    if (isRequired) {
      required.add(name);
    }
    return this;
  }

  JsonObject build() {
    JsonObject schema = new JsonObject().put("type", "object").put("properties", properties);
    if (!required.isEmpty()) {
      schema.put("required", required);
    }
    return schema.put("additionalProperties", false);
  }

  /** MCP tool annotations. */
  static JsonObject hints(boolean readOnly, boolean destructive) {
    return new JsonObject().put("readOnlyHint", readOnly).put("destructiveHint", destructive)
        .put("openWorldHint", false);
  }
}
