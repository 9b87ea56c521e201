package agentx.tools.comfyui;

import agentx.protocol.WorkflowFormat;
import agentx.tools.comfyui.NodeCatalog.InputSpec;
import agentx.tools.comfyui.WorkflowValidator.LinkFault;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One-line fixes for validation errors, phrased as what to change with the edit tools. The
 * knowledge comes from the common causes of each ComfyUI error (missing model files, A1111
 * sampler names, deleted nodes, string ids in links...).
 */
final class FixSuggestions {
  private final JsonObject prompt;
  private final NodeCatalog catalog;

  FixSuggestions(JsonObject prompt, NodeCatalog catalog) {
    this.prompt = prompt;
    this.catalog = catalog;
  }

  JsonArray forUiFormat() {
    return new JsonArray().add(fix(null, null, WorkflowFormat.UI_FORMAT_EXPLANATION));
  }

  JsonArray forNoOutputs() {
    return new JsonArray().add(fix(null, null,
        "Add an output node such as SaveImage or PreviewImage (add_node) and connect its 'images' input to the final"
            + " IMAGE output, e.g. a VAEDecode (connect_nodes)"));
  }

  JsonObject forMissingClassType(String id) {
    return fix(id, null, "Node " + id + " has no class_type: it was probably exported while its custom node pack was"
        + " missing. Install the pack and export the workflow again, or remove_node " + id + " and rebuild that step");
  }

  JsonObject forUnknownClass(String id, String classType) {
    List<String> similar = Similarity.closest(classType, catalog.classNames(), 3);
    return fix(id, null, "Class '" + classType + "' is not installed on this ComfyUI (or its pack failed to import at"
        + " startup, see get_logs): install the custom node pack (ComfyUI-Manager > Install Missing Custom Nodes) and"
        + " restart ComfyUI, or replace the node with an installed one"
        + (similar.isEmpty() ? "" : " such as " + quoted(similar)));
  }

  /** One suggestion per reported error, in node order. */
  JsonArray forNodeErrors(JsonObject nodeErrors, List<LinkFault> allFaults) {
    List<LinkFault> faults = new ArrayList<>(allFaults); // each exception error consumes its own fault
    JsonArray result = new JsonArray();
    nodeErrors.forEach(entry -> {
      JsonObject node = (JsonObject) entry.getValue();
      for (Object e : node.getJsonArray("errors")) {
        result.add(forError(entry.getKey(), node.getString("class_type"), (JsonObject) e, faults));
      }
    });
    return result;
  }

  private JsonObject forError(String id, String classType, JsonObject error, List<LinkFault> faults) {
    JsonObject extra = error.getJsonObject("extra_info", new JsonObject());
    String input = extra.getString("input_name");
    String where = "input '" + input + "' of node " + id + " (" + classType + ")";
    InputSpec spec = input == null ? null : catalog.input(classType, input);
    return switch (error.getString("type")) {
      case "required_input_missing" -> fix(id, input, missingInput(id, where, spec));
      case "value_not_in_list" -> fix(id, input, notInList(where, spec, extra.getValue("received_value")));
      case "value_smaller_than_min" -> fix(id, input, "Set " + where + " to at least "
          + PyValues.str(spec.options().getValue("min")) + " (it is " + PyValues.str(extra.getValue("received_value")) + ")");
      case "value_bigger_than_max" -> fix(id, input, "Set " + where + " to at most "
          + PyValues.str(spec.options().getValue("max")) + " (it is " + PyValues.str(extra.getValue("received_value")) + ")");
      case "invalid_input_type" -> fix(id, input, "Send " + where + " as a JSON " + jsonKind(spec)
          + exampleOf(spec) + " instead of " + PyValues.repr(extra.getValue("received_value")));
      case "return_type_mismatch" -> fix(id, input, typeMismatch(where, spec, extra));
      case "bad_linked_input" -> fix(id, input, "Make " + where + " a link [\"<node id>\", <output index>] (connect_nodes),"
          + " or if it really is a list value wrap it as {\"__value__\": [...]}");
      case "exception_during_inner_validation", "exception_during_validation" -> brokenLink(id, error, faults);
      case "custom_validation_failed" -> fix(id, input, "ComfyUI's input folder has no file "
          + PyValues.repr(inputValue(id, input)) + ": upload it with upload_image and set " + where
          + " to the returned name");
      case "dependency_cycle" -> fix(id, null, "Break the cycle " + error.getString("details")
          + " by reconnecting one of its links (connect_nodes) or removing a node on it");
      default -> fix(id, input, error.getString("message") + ": " + error.getString("details"));
    };
  }

  private String missingInput(String id, String where, InputSpec spec) {
    if (spec == null) {
      return "Provide " + where;
    }
    if (spec.isWidget()) {
      return "Set " + where + " to " + describeWidget(spec);
    }
    List<String> producers = producersOf(spec.type(), id);
    return "Connect " + where + " to a " + spec.typeName() + " output"
        + (producers.isEmpty() ? " (no node in the workflow has one: add one, search_nodes can find it)"
            : ", e.g. connect_nodes from " + producers.get(0));
  }

  private String notInList(String where, InputSpec spec, Object received) {
    List<Object> options = spec == null ? null : spec.comboOptions();
    if (options == null || options.isEmpty()) {
      return "ComfyUI lists no choices for " + where + ": if it is a model, put the file into the right models folder"
          + " (list_models shows them), or fix extra_model_paths.yaml, then try again";
    }
    List<String> names = options.stream().map(PyValues::str).collect(Collectors.toList());
    List<String> closest = Similarity.closest(PyValues.str(received), names, 3);
    if (closest.isEmpty()) {
      return "Replace " + PyValues.repr(received) + " in " + where + " with one of the " + names.size()
          + " values ComfyUI lists (get_node_info shows them)" + (names.size() <= 5 ? ": " + quoted(names) : "");
    }
    return "Replace " + PyValues.repr(received) + " in " + where + " with an exact listed value; closest: "
        + quoted(closest);
  }

  private String typeMismatch(String where, InputSpec spec, JsonObject extra) {
    String wanted = spec == null ? "the input's type" : spec.typeName();
    JsonArray link = extra.getJsonArray("linked_node", new JsonArray());
    String source = link.getValue(0) instanceof String s ? s : null;
    if (source != null && spec != null) {
      String sourceClass = classOf(source);
      List<Object> outs = catalog.outputs(sourceClass);
      for (int i = 0; i < outs.size(); i++) {
        if (WorkflowValidator.typesMatch(outs.get(i), spec.type())) {
          return where + " needs " + wanted + " but gets " + PyValues.str(extra.getValue("received_type"))
              + ": connect output " + i + " of node " + source + " (" + sourceClass + ") instead";
        }
      }
    }
    List<String> producers = producersOf(spec == null ? null : spec.type(), null);
    return where + " needs " + wanted + " but gets " + PyValues.str(extra.getValue("received_type"))
        + ": connect it to a " + wanted + " output" + (producers.isEmpty() ? "" : ", e.g. from " + producers.get(0));
  }

  /** Exceptions are filed under another node than the broken link; point at the link itself. */
  private JsonObject brokenLink(String id, JsonObject error, List<LinkFault> faults) {
    String details = error.getString("details");
    for (LinkFault fault : faults) {
      if (!matches(fault, details)) {
        continue;
      }
      faults.remove(fault);
      if (fault.inputName() == null) {
        return fix(fault.nodeId(), null, "Node " + fault.nodeId() + " has no 'inputs' object: give it \"inputs\": {}");
      }
      JsonArray link = fault.link();
      String where = "input '" + fault.inputName() + "' of node " + fault.nodeId() + " (" + classOf(fault.nodeId()) + ")";
      String sentence = switch (fault.exceptionType()) {
        case "KeyError" -> link.getValue(0) instanceof String missing
            ? where + " links to node '" + missing + "', which is not in the workflow: connect it to an existing node"
                + " (connect_nodes) or add the missing node"
            : where + " links to " + PyValues.repr(link.getValue(0)) + ": node ids in links must be strings, e.g. [\""
                + PyValues.str(link.getValue(0)) + "\", " + PyValues.str(link.getValue(1)) + "]";
        case "IndexError" -> where + " uses output " + PyValues.str(link.getValue(1)) + " of node "
            + link.getValue(0) + " (" + classOf((String) link.getValue(0)) + "), which has only "
            + catalog.outputs(classOf((String) link.getValue(0))).size() + " outputs: pick a valid output index";
        default -> where + " has a non-integer output index " + PyValues.repr(link.getValue(1)) + ": use a number";
      };
      return fix(fault.nodeId(), fault.inputName(), sentence);
    }
    return fix(id, null, "A link into node " + id + " is broken (" + details + "): check its links with get_workflow");
  }

  private static boolean matches(LinkFault fault, String details) {
    if (fault.inputName() == null) {
      return details.equals("'inputs'");
    }
    return switch (fault.exceptionType()) {
      case "KeyError" -> details.equals(PyValues.repr(fault.link().getValue(0)));
      case "IndexError" -> details.equals("tuple index out of range");
      default -> details.startsWith("tuple indices");
    };
  }

  private String describeWidget(InputSpec spec) {
    JsonObject o = spec.options();
    List<Object> combo = spec.comboOptions();
    if (combo != null) {
      return combo.isEmpty() ? "a value (ComfyUI lists none)"
          : "one of " + quoted(combo.stream().limit(5).map(PyValues::str).collect(Collectors.toList()))
              + (combo.size() > 5 ? " (" + combo.size() + " choices)" : "");
    }
    StringBuilder text = new StringBuilder("a ").append(spec.typeName()).append(" value");
    if (o.containsKey("default")) {
      text.append(" (default ").append(PyValues.repr(o.getValue("default"))).append(")");
    }
    if (o.containsKey("min") || o.containsKey("max")) {
      text.append(", range ").append(PyValues.str(o.getValue("min"))).append("..").append(PyValues.str(o.getValue("max")));
    }
    return text.toString();
  }

  private static String jsonKind(InputSpec spec) {
    if (spec == null) {
      return "value";
    }
    return switch (spec.typeName()) {
      case "INT" -> "integer";
      case "FLOAT" -> "number";
      case "BOOLEAN" -> "boolean";
      default -> "string";
    };
  }

  private static String exampleOf(InputSpec spec) {
    if (spec == null || !spec.options().containsKey("default")) {
      return "";
    }
    return " (e.g. " + PyValues.repr(spec.options().getValue("default")) + ")";
  }

  /** "node 4 (CheckpointLoaderSimple) output 1" for nodes in the workflow that output {@code type}. */
  private List<String> producersOf(Object type, String except) {
    List<String> result = new ArrayList<>();
    if (type == null) {
      return result;
    }
    for (String id : prompt.fieldNames()) {
      if (id.equals(except)) {
        continue;
      }
      String cls = classOf(id);
      List<Object> outs = catalog.outputs(cls);
      for (int i = 0; i < outs.size(); i++) {
        if (type.equals(outs.get(i))) {
          result.add("node " + id + " (" + cls + ") output " + i);
        }
      }
    }
    return result;
  }

  private Object inputValue(String id, String input) {
    JsonObject node = prompt.getValue(id) instanceof JsonObject o ? o : new JsonObject();
    return node.getJsonObject("inputs", new JsonObject()).getValue(input);
  }

  private String classOf(String id) {
    return id != null && prompt.getValue(id) instanceof JsonObject node && node.getValue("class_type") instanceof String s
        ? s : null;
  }

  private static String quoted(List<?> values) {
    return values.stream().map(v -> "'" + v + "'").collect(Collectors.joining(", "));
  }

  private static JsonObject fix(String nodeId, String input, String text) {
    JsonObject fix = new JsonObject().put("node_id", nodeId);
    if (input != null) {
      fix.put("input_name", input);
    }
    return fix.put("fix", Character.toUpperCase(text.charAt(0)) + text.substring(1));
  }
}
