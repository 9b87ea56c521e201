package agentx.tools.comfyui;

import agentx.tools.comfyui.NodeCatalog.InputSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Pure edits of an API-format workflow, each checked against {@code /object_info} so that Claude
 * learns about a typo, a wrong type or an out-of-range value at the edit, not at the run. An edit
 * never mutates its input: it answers a new workflow plus a report, or throws {@link ToolRefusal}.
 * Missing required inputs are allowed (a node is added first and connected after) and reported.
 */
final class WorkflowEdits {
  /** The edited workflow and what to tell Claude about the change. */
  record Edit(JsonObject workflow, String description, JsonObject report) {}

  private final NodeCatalog catalog;

  WorkflowEdits(NodeCatalog catalog) {
    this.catalog = catalog;
  }

  Edit modifyNode(JsonObject workflow, String nodeId, JsonObject inputs) {
    JsonObject result = workflow.copy();
    JsonObject node = existing(result, nodeId);
    String classType = knownClass(node, nodeId);
    JsonObject nodeInputs = inputsOf(node);
    JsonArray changed = new JsonArray();
    JsonArray removed = new JsonArray();
    for (String name : inputs.fieldNames()) {
      Object value = inputs.getValue(name);
      if (value == null) {
        // null clears an input (e.g. to disconnect a link); the node may then miss a required input.
        if (nodeInputs.remove(name) != null) {
          removed.add(name);
        }
        continue;
      }
      nodeInputs.put(name, checkedValue(result, nodeId, classType, name, value));
      changed.add(name);
    }
    JsonObject report = new JsonObject().put("node_id", nodeId).put("class_type", classType).put("changed", changed);
    if (!removed.isEmpty()) {
      report.put("cleared", removed);
    }
    return new Edit(result, "modify node " + nodeId + " (" + String.join(", ", inputs.fieldNames()) + ")",
        report.put("missing_required_inputs", missingRequired(classType, nodeInputs)));
  }

  Edit addNode(JsonObject workflow, String classType, JsonObject inputs, String requestedId, String title) {
    if (!catalog.has(classType)) {
      throw new ToolRefusal("ComfyUI has no node class '" + classType + "'.", new JsonObject()
          .put("closest_classes", new JsonArray(Similarity.closest(classType, catalog.classNames(), 5)))
          .put("hint", "Use search_nodes to find the exact class name; custom nodes must be installed first."));
    }
    JsonObject result = workflow.copy();
    String nodeId = requestedId == null ? nextId(result) : requestedId;
    if (result.containsKey(nodeId)) {
      throw new ToolRefusal("The workflow already has a node '" + nodeId + "' (" + classOf(result, nodeId)
          + "); pick another node_id or leave it out to get a fresh one.");
    }
    String displayName = catalog.info(classType).getString("display_name", classType);
    JsonObject node = new JsonObject().put("inputs", new JsonObject()).put("class_type", classType)
        .put("_meta", new JsonObject().put("title", title == null ? displayName : title));
    result.put(nodeId, node);
    JsonObject nodeInputs = node.getJsonObject("inputs");
    if (inputs != null) {
      for (String name : inputs.fieldNames()) {
        if (inputs.getValue(name) != null) {
          nodeInputs.put(name, checkedValue(result, nodeId, classType, name, inputs.getValue(name)));
        }
      }
    }
    JsonArray outputs = new JsonArray();
    List<Object> types = catalog.outputs(classType);
    for (int i = 0; i < types.size(); i++) {
      outputs.add(i + ":" + PyValues.str(types.get(i)));
    }
    JsonObject report = new JsonObject().put("node_id", nodeId).put("class_type", classType)
        .put("outputs", outputs)
        .put("missing_required_inputs", missingRequired(classType, nodeInputs));
    return new Edit(result, "add node " + nodeId + " (" + classType + ")", report);
  }

  /** Removes the node and disconnects every input that was linked to it (a dangling link only confuses ComfyUI). */
  Edit removeNode(JsonObject workflow, String nodeId) {
    JsonObject result = workflow.copy();
    JsonObject removed = existing(result, nodeId);
    result.remove(nodeId);
    JsonArray disconnected = new JsonArray();
    for (String id : result.fieldNames()) {
      if (!(result.getValue(id) instanceof JsonObject node) || !(node.getValue("inputs") instanceof JsonObject in)) {
        continue;
      }
      for (String name : new ArrayList<>(in.fieldNames())) {
        if (in.getValue(name) instanceof JsonArray link && link.size() == 2 && nodeId.equals(idOf(link.getValue(0)))) {
          in.remove(name);
          disconnected.add(new JsonObject().put("node_id", id).put("class_type", node.getString("class_type"))
              .put("input_name", name).put("was_linked_to", link));
        }
      }
    }
    JsonObject report = new JsonObject().put("removed", nodeId).put("class_type", removed.getString("class_type"))
        .put("dangling_links", disconnected);
    if (!disconnected.isEmpty()) {
      report.put("note", "These inputs were linked to the removed node and are now empty: connect them to another"
          + " node (connect_nodes) or set a value (modify_node), or the workflow will not validate.");
    }
    return new Edit(result, "remove node " + nodeId, report);
  }

  Edit connectNodes(JsonObject workflow, String fromNode, Object fromOutput, String toNode, String toInput) {
    JsonObject result = workflow.copy();
    existing(result, fromNode);
    JsonObject target = existing(result, toNode);
    String toClass = knownClass(target, toNode);
    int slot = outputIndex(fromNode, knownClass(existing(result, fromNode), fromNode), fromOutput);
    JsonArray link = new JsonArray().add(fromNode).add(slot);
    Object previous = inputsOf(target).getValue(toInput);
    inputsOf(target).put(toInput, checkedValue(result, toNode, toClass, toInput, link));
    JsonObject report = new JsonObject().put("connected", new JsonObject()
        .put("from", fromNode + ":" + slot + " (" + PyValues.str(catalog.outputs(classOf(result, fromNode)).get(slot)) + ")")
        .put("to", toNode + "." + toInput));
    if (previous != null) {
      report.put("replaced", previous);
    }
    return new Edit(result, "connect " + fromNode + ":" + slot + " -> " + toNode + "." + toInput,
        report.put("missing_required_inputs", missingRequired(toClass, inputsOf(target))));
  }

  // ---------------------------------------------------------------- checks

  /** A value for {@code nodeId.name}: the input must exist on the class; links and literals are checked. */
  private Object checkedValue(JsonObject workflow, String nodeId, String classType, String name, Object value) {
    InputSpec spec = catalog.input(classType, name);
    if (spec == null) {
      List<String> names = new ArrayList<>();
      catalog.inputs(classType).forEach(s -> names.add(s.name()));
      throw new ToolRefusal("Node " + nodeId + " (" + classType + ") has no input '" + name + "'.",
          new JsonObject().put("inputs", new JsonArray(names))
              .put("closest", new JsonArray(Similarity.closest(name, names, 3))));
    }
    if (value instanceof JsonArray link && link.size() == 2 && link.getValue(0) instanceof String) {
      checkLink(workflow, nodeId, classType, spec, link);
      return value;
    }
    if (value instanceof JsonArray && !spec.isWidget()) {
      throw new ToolRefusal("Input '" + name + "' of node " + nodeId + " takes a link [\"<node id>\", <output index>];"
          + " node ids are strings. Got " + PyValues.repr(value) + ".");
    }
    if (!spec.isWidget()) {
      throw new ToolRefusal("Input '" + name + "' of node " + nodeId + " (" + classType + ") has type "
          + spec.typeName() + ", which only comes from another node's output: use connect_nodes.");
    }
    List<JsonObject> errors = WorkflowValidator.literalErrors(spec, value);
    if (!errors.isEmpty()) {
      JsonObject e = errors.get(0);
      JsonArray fix = new FixSuggestions(workflowWith(workflow, nodeId, name, value), catalog).forNodeErrors(
          new JsonObject().put(nodeId, new JsonObject().put("errors", new JsonArray(errors)).put("class_type", classType)),
          List.of());
      throw new ToolRefusal("Node " + nodeId + " (" + classType + ") input '" + name + "': " + e.getString("message")
          + (e.getString("details").equals(name) ? "" : " (" + e.getString("details") + ")") + ".",
          new JsonObject().put("errors", new JsonArray(errors)).put("suggestions", fix));
    }
    return value;
  }

  private void checkLink(JsonObject workflow, String nodeId, String classType, InputSpec spec, JsonArray link) {
    String source = link.getString(0);
    if (!(workflow.getValue(source) instanceof JsonObject sourceNode)) {
      throw new ToolRefusal("Input '" + spec.name() + "' of node " + nodeId + " would link to node '" + source
          + "', which is not in the workflow.");
    }
    String sourceClass = knownClass(sourceNode, source);
    int slot = outputIndex(source, sourceClass, link.getValue(1));
    Object produced = catalog.outputs(sourceClass).get(slot);
    if (!WorkflowValidator.typesMatch(produced, spec.type())) {
      JsonArray matching = new JsonArray();
      List<Object> outs = catalog.outputs(sourceClass);
      for (int i = 0; i < outs.size(); i++) {
        if (WorkflowValidator.typesMatch(outs.get(i), spec.type())) {
          matching.add(i);
        }
      }
      throw new ToolRefusal("Type mismatch: output " + slot + " of node " + source + " (" + sourceClass + ") is "
          + PyValues.str(produced) + " but input '" + spec.name() + "' of node " + nodeId + " (" + classType
          + ") needs " + spec.typeName() + ".",
          new JsonObject().put("matching_outputs_of_" + source, matching));
    }
    if (source.equals(nodeId) || dependsOn(workflow, source, nodeId)) {
      throw new ToolRefusal("Connecting node " + source + " into node " + nodeId + " would create a dependency cycle"
          + " (node " + source + " already depends on node " + nodeId + ").");
    }
  }

  /** Output by index (negative counts from the end, as Python does) or by output name/type, case-insensitive. */
  private int outputIndex(String nodeId, String classType, Object output) {
    List<Object> types = catalog.outputs(classType);
    List<String> names = catalog.outputNames(classType);
    if (output instanceof Number n && PyValues.decimal(n).stripTrailingZeros().scale() <= 0) {
      long index = n.longValue();
      if (index >= -types.size() && index < types.size()) {
        return (int) (index < 0 ? types.size() + index : index);
      }
    } else if (output instanceof String s) {
      for (int i = 0; i < types.size(); i++) {
        if (names.get(i).equalsIgnoreCase(s) || PyValues.str(types.get(i)).equalsIgnoreCase(s)) {
          return i;
        }
      }
      if (s.strip().matches("-?\\d+")) {
        return outputIndex(nodeId, classType, Long.parseLong(s.strip()));
      }
    }
    JsonArray available = new JsonArray();
    for (int i = 0; i < types.size(); i++) {
      available.add(i + ":" + PyValues.str(types.get(i)) + " (" + names.get(i) + ")");
    }
    throw new ToolRefusal("Node " + nodeId + " (" + classType + ") has no output " + PyValues.repr(output) + ".",
        new JsonObject().put("outputs", available));
  }

  /** True when {@code from} reaches {@code target} by following links upstream. */
  private static boolean dependsOn(JsonObject workflow, String from, String target) {
    Deque<String> todo = new ArrayDeque<>(List.of(from));
    Set<String> seen = new HashSet<>();
    while (!todo.isEmpty()) {
      String id = todo.pop();
      if (!seen.add(id) || !(workflow.getValue(id) instanceof JsonObject node)) {
        continue;
      }
      if (id.equals(target)) {
        return true;
      }
      if (node.getValue("inputs") instanceof JsonObject in) {
        in.forEach(e -> {
          if (e.getValue() instanceof JsonArray link && link.size() == 2 && link.getValue(0) instanceof String s) {
            todo.push(s);
          }
        });
      }
    }
    return false;
  }

  private JsonArray missingRequired(String classType, JsonObject inputs) {
    JsonArray missing = new JsonArray();
    for (InputSpec spec : catalog.inputs(classType)) {
      if (spec.required() && !inputs.containsKey(spec.name())) {
        missing.add(spec.name() + ":" + spec.typeName());
      }
    }
    return missing;
  }

  private static JsonObject existing(JsonObject workflow, String nodeId) {
    if (workflow.getValue(nodeId) instanceof JsonObject node) {
      return node;
    }
    throw new ToolRefusal("The workflow has no node '" + nodeId + "'.",
        new JsonObject().put("node_ids", new JsonArray(new ArrayList<>(workflow.fieldNames()))));
  }

  private String knownClass(JsonObject node, String nodeId) {
    String classType = node.getValue("class_type") instanceof String s ? s : null;
    if (!catalog.has(classType)) {
      throw new ToolRefusal("Node " + nodeId + " has class '" + classType + "', which this ComfyUI does not have, so"
          + " its inputs cannot be checked; replace the node or install its custom node pack.");
    }
    return classType;
  }

  private static JsonObject inputsOf(JsonObject node) {
    if (!(node.getValue("inputs") instanceof JsonObject)) {
      node.put("inputs", new JsonObject());
    }
    return node.getJsonObject("inputs");
  }

  /** The next free numeric id, as ComfyUI's front end numbers nodes. */
  static String nextId(JsonObject workflow) {
    long max = 0;
    for (String id : workflow.fieldNames()) {
      String head = id.contains(":") ? id.substring(0, id.indexOf(':')) : id;
      if (head.matches("\\d{1,18}")) {
        max = Math.max(max, Long.parseLong(head));
      }
    }
    return Long.toString(max + 1);
  }

  private static String idOf(Object linkTarget) {
    return linkTarget == null ? null : PyValues.str(linkTarget);
  }

  private static String classOf(JsonObject workflow, String id) {
    return workflow.getValue(id) instanceof JsonObject node ? node.getString("class_type") : null;
  }

  private static JsonObject workflowWith(JsonObject workflow, String nodeId, String name, Object value) {
    JsonObject copy = workflow.copy();
    inputsOf(copy.getJsonObject(nodeId)).put(name, value);
    return copy;
  }
}
