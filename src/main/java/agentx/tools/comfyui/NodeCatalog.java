package agentx.tools.comfyui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Read-only view of ComfyUI's {@code /object_info}: which classes exist, their inputs (required
 * and optional, in declaration order), their output types and whether they are output nodes.
 */
public final class NodeCatalog {
  private final JsonObject objectInfo;

  /**
   * {@code /object_info} as the tools read it: one entry ComfyUI (or a custom node) declares in a shape no
   * ComfyUI version uses (not an object, {@code input} not an object, an input spec not a list, {@code output}
   * not a list) is mended or left out, so it does not break every search, validation and run.
   */
  public static JsonObject wellFormed(JsonObject objectInfo) {
    JsonObject kept = new JsonObject();
    if (objectInfo == null) {
      return kept;
    }
    for (String name : objectInfo.fieldNames()) {
      if (!(objectInfo.getValue(name) instanceof JsonObject info)) {
        continue;
      }
      JsonObject node = info.copy();
      JsonObject input = node.getValue("input") instanceof JsonObject given ? given : new JsonObject();
      if (input.containsKey("hidden") && !(input.getValue("hidden") instanceof JsonObject)) {
        input.remove("hidden");
      }
      for (String group : List.of("required", "optional")) { // "hidden" maps names to strings ({"prompt": "PROMPT"})
        if (input.containsKey(group) && !(input.getValue(group) instanceof JsonObject)) {
          input.remove(group);
        } else if (input.getValue(group) instanceof JsonObject specs) {
          for (String spec : specs.fieldNames().toArray(new String[0])) {
            if (!(specs.getValue(spec) instanceof JsonArray declared) || declared.isEmpty()) {
              specs.remove(spec);
            }
          }
        }
      }
      node.put("input", input);
      if (node.containsKey("input_order") && !(node.getValue("input_order") instanceof JsonObject)) {
        node.remove("input_order");
      }
      for (String list : List.of("output", "output_name", "output_is_list")) {
        if (node.containsKey(list) && !(node.getValue(list) instanceof JsonArray)) {
          node.remove(list);
        }
      }
      for (String text : List.of("name", "display_name", "description", "category")) {
        if (node.containsKey(text) && !(node.getValue(text) instanceof String)) {
          node.remove(text);
        }
      }
      kept.put(name, node);
    }
    return kept;
  }

  public NodeCatalog(JsonObject objectInfo) {
    this.objectInfo = objectInfo == null ? new JsonObject() : objectInfo;
  }

  /** One input of a node class as {@code /object_info} declares it. */
  public record InputSpec(String name, boolean required, Object type, JsonObject options) {

    /** The option list when the input is a combo (legacy {@code [[...], {}]} or V3 {@code ["COMBO", {options}]}). */
    public List<Object> comboOptions() {
      if (type instanceof JsonArray list) {
        return list.getList();
      }
      if ("COMBO".equals(type) && options.getValue("options") instanceof JsonArray list) {
        return list.getList();
      }
      return null;
    }

    /** The type as ComfyUI prints it in messages: a string, or the option list for combos. */
    public String typeName() {
      return type instanceof String s ? s : "COMBO";
    }

    /** {@code [type, options]} as ComfyUI echoes it in {@code extra_info.input_config}. */
    public JsonArray inputConfig() {
      return new JsonArray().add(type).add(options);
    }

    /** Widgets hold literal values; everything else (MODEL, LATENT, ...) must be linked. */
    public boolean isWidget() {
      return comboOptions() != null || Set.of("INT", "FLOAT", "STRING", "BOOLEAN").contains(type);
    }
  }

  public boolean has(String classType) {
    return classType != null && objectInfo.getValue(classType) instanceof JsonObject;
  }

  public JsonObject info(String classType) {
    return classType == null ? null : objectInfo.getJsonObject(classType);
  }

  public Set<String> classNames() {
    return objectInfo.fieldNames();
  }

  public boolean isOutputNode(String classType) {
    JsonObject info = info(classType);
    return info != null && Boolean.TRUE.equals(info.getValue("output_node"));
  }

  /** RETURN_TYPES: each entry a type string (or a combo list). */
  public List<Object> outputs(String classType) {
    JsonObject info = info(classType);
    JsonArray out = info == null ? null : info.getJsonArray("output");
    return out == null ? List.of() : out.getList();
  }

  public List<String> outputNames(String classType) {
    JsonObject info = info(classType);
    JsonArray names = info == null ? null : info.getJsonArray("output_name");
    List<String> result = new ArrayList<>();
    List<Object> outputs = outputs(classType);
    for (int i = 0; i < outputs.size(); i++) {
      Object name = names != null && i < names.size() ? names.getValue(i) : null;
      result.add(name != null ? String.valueOf(name) : String.valueOf(outputs.get(i)));
    }
    return result;
  }

  /** Required then optional inputs, each in {@code input_order} when present, else declaration order. */
  public List<InputSpec> inputs(String classType) {
    JsonObject info = info(classType);
    List<InputSpec> result = new ArrayList<>();
    if (info == null) {
      return result;
    }
    JsonObject input = info.getJsonObject("input", new JsonObject());
    JsonObject order = info.getJsonObject("input_order", new JsonObject());
    addInputs(result, input.getJsonObject("required"), order.getJsonArray("required"), true);
    addInputs(result, input.getJsonObject("optional"), order.getJsonArray("optional"), false);
    return result;
  }

  public InputSpec input(String classType, String name) {
    for (InputSpec spec : inputs(classType)) {
      if (spec.name().equals(name)) {
        return spec;
      }
    }
    return null;
  }

  private static void addInputs(List<InputSpec> into, JsonObject group, JsonArray order, boolean required) {
    if (group == null) {
      return;
    }
    List<String> names = new ArrayList<>();
    if (order != null) {
      order.forEach(n -> {
        if (n instanceof String s && group.containsKey(s)) {
          names.add(s);
        }
      });
    }
    for (String name : group.fieldNames()) {
      if (!names.contains(name)) {
        names.add(name);
      }
    }
    for (String name : names) {
      Object decl = group.getValue(name);
      Object type = decl;
      JsonObject options = new JsonObject();
      if (decl instanceof JsonArray arr && !arr.isEmpty()) {
        type = arr.getValue(0);
        if (arr.size() > 1 && arr.getValue(1) instanceof JsonObject o) {
          options = o;
        }
      }
      into.add(new InputSpec(name, required, type, options));
    }
  }
}
