package agentx.tools.comfyui;

import agentx.protocol.WorkflowFormat;
import agentx.tools.comfyui.NodeCatalog.InputSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Offline copy of ComfyUI's own prompt validation ({@code execution.validate_prompt} /
 * {@code validate_inputs}, v0.3.64 plus the newer cycle check), so Claude sees the errors ComfyUI
 * would answer with, in ComfyUI's vocabulary, before anything is queued. Pure: needs only the
 * workflow in API format and {@code /object_info}.
 *
 * <p>Answer: {@code {valid, error?, node_errors: {id: {errors, dependent_outputs, class_type}},
 * suggestions: [{node_id, input_name?, fix}], good_outputs}}. {@code valid} is true only when
 * every output node would run; {@code error} is present when ComfyUI would refuse the whole prompt
 * (HTTP 400). When only some outputs fail, ComfyUI still queues the rest: then {@code error} is
 * absent but {@code node_errors} is not empty.
 */
public final class WorkflowValidator {
  /**
   * How many nodes deep one chain of links may be validated: each is a few frames of the recursion, so a deeper
   * chain is refused by this rule, always, not wherever the thread's stack happens to end. Compiled, a node of the
   * recursion can take over 1 KB of stack (a 1,000-deep chain overflowed a 1 MB stack in one full test run); 250
   * validated on half that stack. Real workflows are tens of nodes deep; ComfyUI validates recursively too. Checked
   * by {@link CycleFinder}, whose walk from the outputs comes first and follows every link the validation follows.
   */
  static final int MAX_CHAIN_DEPTH = 250;

  public JsonObject validate(JsonObject workflowApiFormat, JsonObject objectInfo) {
    try {
      return new Run(workflowApiFormat == null ? new JsonObject() : workflowApiFormat, new NodeCatalog(objectInfo))
          .validate();
    } catch (StackOverflowError e) {
      throw chainTooLong(); // a thread with less stack than the rule assumes
    }
  }

  static ToolRefusal chainTooLong() {
    return new ToolRefusal("The workflow's links form a chain longer than can be validated (more than " + MAX_CHAIN_DEPTH
        + " nodes; ComfyUI itself validates inputs recursively and would stop too): shorten the chain of nodes feeding one another.");
  }

  /** Per-node outcome, as ComfyUI's {@code validated[node_id] = (valid, reasons, node_id)}. */
  private record Outcome(boolean valid, List<JsonObject> reasons) {
    static final Outcome OK = new Outcome(true, List.of());
  }

  /**
   * What Python raises inside {@code validate_inputs} when a link points nowhere (KeyError), past
   * the outputs (IndexError) or has a non-integer slot (TypeError). ComfyUI files the error under
   * the node whose validation raised, with the caller's input name; we also keep the real culprit
   * (node and input holding the bad link) for the suggestion.
   */
  static final class InnerFault extends Exception {
    final String exceptionType;
    final String detail;
    final LinkFault culprit;

    InnerFault(String exceptionType, String detail, LinkFault culprit) {
      super(detail, null, false, false);
      this.exceptionType = exceptionType;
      this.detail = detail;
      this.culprit = culprit;
    }
  }

  /** The link that made validation raise: {@code nodeId.inputName = link}. */
  record LinkFault(String nodeId, String inputName, JsonArray link, String exceptionType) {}

  private static final class Run {
    private final JsonObject prompt;
    private final NodeCatalog catalog;
    private final Map<String, Outcome> validated = new LinkedHashMap<>();
    private final Set<String> inProgress = new HashSet<>();
    private final List<LinkFault> faults = new ArrayList<>();

    Run(JsonObject prompt, NodeCatalog catalog) {
      this.prompt = prompt;
      this.catalog = catalog;
    }

    JsonObject validate() {
      FixSuggestions fixes = new FixSuggestions(prompt, catalog);
      if (WorkflowFormat.isUiFormat(prompt)) {
        JsonObject error = error("invalid_prompt", "Cannot execute because this is a UI-format workflow, not API format.",
            "UI format", new JsonObject());
        return answer(false, error, new JsonObject(), fixes.forUiFormat(), List.of());
      }
      JsonObject classProblem = checkClassTypes(fixes);
      if (classProblem != null) {
        return classProblem;
      }
      List<String> outputs = new ArrayList<>();
      for (String id : prompt.fieldNames()) {
        if (catalog.isOutputNode(node(id).getString("class_type"))) {
          outputs.add(id);
        }
      }
      if (outputs.isEmpty()) {
        JsonObject error = error("prompt_no_outputs", "Prompt has no outputs", "", new JsonObject());
        return answer(false, error, new JsonObject(), fixes.forNoOutputs(), List.of());
      }
      new CycleFinder(prompt, catalog).cycles().forEach((id, reason) -> validated.put(id, new Outcome(false,
          List.of(reason))));
      return validateOutputs(outputs, fixes);
    }

    /** ComfyUI stops at the first node without a (known) class_type; we list every unknown class in suggestions. */
    private JsonObject checkClassTypes(FixSuggestions fixes) {
      JsonObject first = null;
      JsonArray suggestions = new JsonArray();
      for (String id : prompt.fieldNames()) {
        Object raw = prompt.getValue(id);
        JsonObject node = raw instanceof JsonObject o ? o : new JsonObject();
        String classType = node.getValue("class_type") instanceof String s ? s : null;
        String title = node.getJsonObject("_meta", new JsonObject()).getString("title");
        JsonObject extra = new JsonObject().put("node_id", id).put("class_type", classType).put("node_title", title);
        JsonObject error = null;
        if (classType == null) {
          error = error("invalid_prompt", "Cannot execute because a node is missing the class_type property.",
              "Node ID '#" + id + "'", extra);
          suggestions.add(fixes.forMissingClassType(id));
        } else if (!catalog.has(classType)) {
          error = error("invalid_prompt", "Cannot execute because node " + classType + " does not exist.",
              "Node ID '#" + id + "'", extra);
          suggestions.add(fixes.forUnknownClass(id, classType));
        }
        if (error != null && first == null) {
          first = error;
        }
      }
      return first == null ? null : answer(false, first, new JsonObject(), suggestions, List.of());
    }

    private JsonObject validateOutputs(List<String> outputs, FixSuggestions fixes) {
      List<String> good = new ArrayList<>();
      List<JsonObject> outputReasons = new ArrayList<>();
      JsonObject nodeErrors = new JsonObject();
      for (String output : outputs) {
        Outcome outcome;
        try {
          outcome = validateNode(output);
        } catch (InnerFault fault) {
          faults.add(fault.culprit);
          outcome = new Outcome(false, List.of(error("exception_during_validation", "Exception when validating node",
              fault.detail, new JsonObject().put("exception_type", fault.exceptionType)
                  .put("traceback", new JsonArray()))));
          validated.put(output, outcome);
        }
        if (outcome.valid()) {
          good.add(output);
          continue;
        }
        outputReasons.addAll(outcome.reasons());
        // As ComfyUI does: every node that failed with its own reasons so far depends on this output.
        validated.forEach((id, result) -> {
          if (!result.valid() && !result.reasons().isEmpty()) {
            JsonObject entry = nodeErrors.getJsonObject(id);
            if (entry == null) {
              entry = new JsonObject().put("errors", new JsonArray(new ArrayList<>(result.reasons())))
                  .put("dependent_outputs", new JsonArray()).put("class_type", node(id).getString("class_type"));
              nodeErrors.put(id, entry);
            }
            entry.getJsonArray("dependent_outputs").add(output);
          }
        });
      }
      JsonObject error = null;
      if (good.isEmpty()) {
        List<String> lines = new ArrayList<>();
        outputReasons.forEach(r -> lines.add(r.getString("message") + ": " + r.getString("details")));
        error = error("prompt_outputs_failed_validation", "Prompt outputs failed validation", String.join("\n", lines),
            new JsonObject());
      }
      JsonArray suggestions = fixes.forNodeErrors(nodeErrors, faults);
      return answer(nodeErrors.isEmpty() && error == null, error, nodeErrors, suggestions, good);
    }

    private Outcome validateNode(String id) throws InnerFault {
      Outcome known = validated.get(id);
      if (known != null) {
        return known;
      }
      JsonObject node = node(id);
      if (!(node.getValue("inputs") instanceof JsonObject inputs)) {
        throw new InnerFault("KeyError", "'inputs'", new LinkFault(id, null, null, "KeyError"));
      }
      if (!inProgress.add(id)) {
        // A cycle the finder missed would recurse forever in Python too; stop here instead.
        return new Outcome(false, List.of());
      }
      List<JsonObject> errors = new ArrayList<>();
      boolean valid = true;
      try {
        for (InputSpec spec : catalog.inputs(node.getString("class_type"))) {
          String name = spec.name();
          if (!inputs.containsKey(name)) {
            if (spec.required()) {
              errors.add(error("required_input_missing", "Required input is missing", name,
                  new JsonObject().put("input_name", name)));
            }
            continue;
          }
          Object value = inputs.getValue(name);
          if (value instanceof JsonArray link) {
            valid &= checkLink(id, spec, link, errors);
          } else {
            errors.addAll(literalErrors(spec, value));
          }
        }
      } finally {
        inProgress.remove(id);
      }
      Outcome outcome = errors.isEmpty() && valid ? Outcome.OK : new Outcome(false, errors);
      validated.put(id, outcome);
      return outcome;
    }

    /** A linked input: shape, target, slot and type, then the linked node itself. False when upstream failed. */
    private boolean checkLink(String id, InputSpec spec, JsonArray link, List<JsonObject> errors) throws InnerFault {
      String name = spec.name();
      if (link.size() != 2) {
        errors.add(error("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]", name,
            new JsonObject().put("input_name", name).put("input_config", spec.inputConfig())
                .put("received_value", link)));
        return true;
      }
      Object target = link.getValue(0);
      if (!(target instanceof String targetId) || !(prompt.getValue(targetId) instanceof JsonObject)) {
        throw new InnerFault("KeyError", PyValues.repr(target), new LinkFault(id, name, link, "KeyError"));
      }
      Object slot = link.getValue(1);
      if (!(slot instanceof Integer || slot instanceof Long || slot instanceof BigInteger || slot instanceof Boolean)) {
        throw new InnerFault("TypeError", "tuple indices must be integers or slices, not " + PyValues.typeName(slot),
            new LinkFault(id, name, link, "TypeError"));
      }
      List<Object> returnTypes = catalog.outputs(node(targetId).getString("class_type"));
      long index = PyValues.decimal(slot).longValue();
      if (index < -returnTypes.size() || index >= returnTypes.size()) {
        throw new InnerFault("IndexError", "tuple index out of range", new LinkFault(id, name, link, "IndexError"));
      }
      Object received = returnTypes.get((int) (index < 0 ? returnTypes.size() + index : index));
      if (!typesMatch(received, spec.type())) {
        errors.add(error("return_type_mismatch", "Return type mismatch between linked nodes",
            name + ", received_type(" + PyValues.str(received) + ") mismatch input_type(" + PyValues.str(spec.type())
                + ")",
            new JsonObject().put("input_name", name).put("input_config", spec.inputConfig())
                .put("received_type", received).put("linked_node", link)));
        return true;
      }
      try {
        return validateNode(targetId).valid();
      } catch (InnerFault fault) {
        faults.add(fault.culprit);
        validated.put(targetId, new Outcome(false, List.of(error("exception_during_inner_validation",
            "Exception when validating inner node", fault.detail,
            new JsonObject().put("input_name", name).put("input_config", spec.inputConfig())
                .put("exception_message", fault.detail).put("exception_type", fault.exceptionType)
                .put("traceback", new JsonArray()).put("linked_node", link)))));
        return false;
      }
    }

    private JsonObject node(String id) {
      return prompt.getValue(id) instanceof JsonObject o ? o : new JsonObject();
    }
  }

  /** A literal input: coercion as Python's int()/float(), then min/max, then combo membership. */
  static List<JsonObject> literalErrors(InputSpec spec, Object raw) {
    List<JsonObject> errors = new ArrayList<>();
    String name = spec.name();
    Object value = raw instanceof JsonObject o && o.containsKey("__value__") ? o.getValue("__value__") : raw;
    try {
      value = coerce(spec.type(), value);
    } catch (PyValues.ConversionError e) {
      errors.add(error("invalid_input_type", "Failed to convert an input value to a " + spec.type() + " value",
          name + ", " + PyValues.str(value) + ", " + e.getMessage(),
          new JsonObject().put("input_name", name).put("input_config", spec.inputConfig())
              .put("received_value", value).put("exception_message", e.getMessage())));
      return errors;
    }
    if (checksItself(spec)) {
      // LoadImage-style inputs skip the combo check; the node's VALIDATE_INPUTS looks for the file instead.
      List<Object> files = spec.comboOptions();
      if (files != null && files.stream().noneMatch(f -> PyValues.pyEquals(f, raw))) {
        errors.add(error("custom_validation_failed", "Custom validation failed for node",
            name + " - Invalid image file: " + PyValues.str(raw), new JsonObject().put("input_name", name)));
      }
      return errors;
    }
    JsonObject options = spec.options();
    JsonObject extra = new JsonObject().put("input_name", name).put("input_config", spec.inputConfig())
        .put("received_value", value);
    if (PyValues.comparable(value) && PyValues.isNumber(options.getValue("min"))
        && PyValues.compare(value, options.getValue("min")) < 0) {
      errors.add(error("value_smaller_than_min",
          "Value " + PyValues.str(value) + " smaller than min of " + PyValues.str(options.getValue("min")), name, extra));
      return errors;
    }
    if (PyValues.comparable(value) && PyValues.isNumber(options.getValue("max"))
        && PyValues.compare(value, options.getValue("max")) > 0) {
      errors.add(error("value_bigger_than_max",
          "Value " + PyValues.str(value) + " bigger than max of " + PyValues.str(options.getValue("max")), name, extra));
      return errors;
    }
    List<Object> combo = spec.comboOptions();
    if (combo != null) {
      Object v = value;
      if (combo.stream().noneMatch(option -> PyValues.pyEquals(option, v))) {
        // ComfyUI does not echo gigantic lists (e.g. hundreds of model files).
        boolean big = combo.size() > 20;
        String listInfo = big ? "(list of length " + combo.size() + ")" : PyValues.repr(combo);
        errors.add(error("value_not_in_list", "Value not in list",
            name + ": '" + PyValues.str(value) + "' not in " + listInfo,
            new JsonObject().put("input_name", name).put("input_config", big ? null : spec.inputConfig())
                .put("received_value", value)));
      }
    }
    return errors;
  }

  /** Inputs whose node validates them itself (VALIDATE_INPUTS), recognisable by the upload widget. */
  static boolean checksItself(InputSpec spec) {
    return Boolean.TRUE.equals(spec.options().getValue("image_upload"));
  }

  static Object coerce(Object type, Object value) throws PyValues.ConversionError {
    if ("INT".equals(type)) {
      return PyValues.toInt(value);
    }
    if ("FLOAT".equals(type)) {
      return PyValues.toFloat(value);
    }
    if ("STRING".equals(type)) {
      return PyValues.toStr(value);
    }
    if ("BOOLEAN".equals(type)) {
      return PyValues.toBool(value);
    }
    return value;
  }

  /**
   * ComfyUI's {@code validate_node_input}: equal types match; otherwise both must be strings,
   * compared as comma-separated sets that overlap, with {@code *} matching anything.
   */
  public static boolean typesMatch(Object received, Object inputType) {
    if (received != null && received.equals(inputType)) {
      return true;
    }
    if (!(received instanceof String r) || !(inputType instanceof String t)) {
      // A combo input may be fed by a COMBO/* output (primitive and switch nodes).
      return "COMBO".equals(received) || "*".equals(received) || "*".equals(inputType)
          || ("COMBO".equals(inputType) && received instanceof JsonArray);
    }
    Set<String> receivedTypes = splitTypes(r);
    Set<String> inputTypes = splitTypes(t);
    if (receivedTypes.contains("*") || inputTypes.contains("*")) {
      return true;
    }
    return receivedTypes.stream().anyMatch(inputTypes::contains);
  }

  private static Set<String> splitTypes(String types) {
    Set<String> result = new HashSet<>();
    for (String part : types.split(",")) {
      result.add(part.strip());
    }
    return result;
  }

  static JsonObject error(String type, String message, String details, JsonObject extraInfo) {
    return new JsonObject().put("type", type).put("message", message).put("details", details)
        .put("extra_info", extraInfo);
  }

  private static JsonObject answer(boolean valid, JsonObject error, JsonObject nodeErrors, JsonArray suggestions,
      List<String> goodOutputs) {
    JsonObject result = new JsonObject().put("valid", valid);
    if (error != null) {
      result.put("error", error);
    }
    return result.put("node_errors", nodeErrors).put("suggestions", suggestions)
        .put("good_outputs", new JsonArray(new ArrayList<>(goodOutputs)));
  }
}
