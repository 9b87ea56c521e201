package agentx.tools.comfyui;

import agentx.tools.comfyui.NodeCatalog.InputSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * How a legacy group node ({@code workflow>name}, defined in {@code extra.groupNodes[name]}) maps onto
 * its inner nodes, rebuilt the way the frontend's GroupNodeConfig builds the group's node definition:
 * <ul>
 *   <li>inner node {@code i} becomes API node {@code <group id>:<i>};</li>
 *   <li>the group's widgets are the inner nodes' widgets in node order (with their control and upload
 *       values), then every widget that had been converted to an input and is not fed inside the group;</li>
 *   <li>the group's inputs are the inner inputs not fed inside the group: link-only inputs first, in node
 *       order, then those converted widgets;</li>
 *   <li>the group's outputs are the inner outputs not consumed only inside the group (or marked visible).</li>
 * </ul>
 * Definition links are {@code [from index, from slot, to index, to slot, original from id, type]}.
 */
final class GroupNodeLayout {
  /** One position of the group's {@code widgets_values}: inner node and input, or a frontend-only value. */
  record WidgetEntry(int innerIndex, String inputName) {}

  /** An inner output: which inner node, which of its slots. */
  record InnerOutput(int innerIndex, int slot) {}

  private final JsonArray nodes;
  private final Map<Integer, Map<Integer, JsonArray>> linksTo = new HashMap<>();
  private final Map<Integer, Map<Integer, List<JsonArray>>> linksFrom = new HashMap<>();
  private final Map<Integer, Map<Integer, Object>> externalFrom = new HashMap<>();
  private final Map<Integer, Map<Integer, Integer>> groupInputOf = new HashMap<>();
  private final List<WidgetEntry> widgets = new ArrayList<>();
  private final List<InnerOutput> outputs = new ArrayList<>();

  private GroupNodeLayout(JsonObject definition) {
    this.nodes = definition.getValue("nodes") instanceof JsonArray a ? a : new JsonArray();
  }

  /** A converted widget waits until every inner node is processed: its group input comes after all the others. */
  private record Converted(int innerIndex, InputSpec spec, int innerSlot) {}

  /**
   * The layout of one group definition. {@code problem} turns the reason an inner node cannot be expanded
   * into the exception to throw (it knows which group node instance is being expanded).
   */
  static GroupNodeLayout of(JsonObject definition, NodeCatalog catalog,
      Function<String, UiConversionException> problem) {
    GroupNodeLayout layout = new GroupNodeLayout(definition);
    layout.indexLinks(definition);
    JsonObject config = definition.getValue("config") instanceof JsonObject c ? c : new JsonObject();
    int inputCount = 0;
    List<Converted> converted = new ArrayList<>();
    for (int i = 0; i < layout.nodes.size(); i++) {
      JsonObject inner = layout.inner(i);
      String type = inner.getString("type");
      if (UiWorkflowConverter.NOTE_TYPES.contains(type)) {
        continue;
      }
      if ("Reroute".equals(type) || "PrimitiveNode".equals(type)) {
        throw problem.apply("its inner node " + i + " is a " + type + ", which this converter does not expand inside"
            + " group nodes; convert the group node to a subgraph (or ungroup it) in ComfyUI and save again");
      }
      if (!catalog.has(type)) {
        throw problem.apply("its inner node " + i + " has type '" + type + "', which is not in this ComfyUI's node"
            + " list (/object_info); a custom node is probably not installed");
      }
      JsonObject nodeConfig = config.getValue(String.valueOf(i)) instanceof JsonObject c ? c : new JsonObject();
      inputCount = layout.addInputsAndWidgets(i, inner, catalog, nodeConfig, inputCount, converted);
      layout.addOutputs(i, catalog.outputs(type).size(), nodeConfig);
    }
    converted.sort(Comparator.comparingInt(Converted::innerIndex).thenComparingInt(Converted::innerSlot));
    for (Converted c : converted) {
      if (layout.internalLink(c.innerIndex(), c.innerSlot()) != null) {
        continue;
      }
      layout.addWidget(c.innerIndex(), c.spec());
      layout.groupInputOf.computeIfAbsent(c.innerIndex(), k -> new HashMap<>()).put(c.innerSlot(), inputCount++);
    }
    return layout;
  }

  JsonObject inner(int index) {
    return index >= 0 && index < nodes.size() && nodes.getValue(index) instanceof JsonObject o ? o : new JsonObject();
  }

  int size() {
    return nodes.size();
  }

  /** The group input that feeds inner node {@code i}'s input slot, or null when it is fed inside (or not at all). */
  Integer groupInput(int innerIndex, int innerSlot) {
    Map<Integer, Integer> slots = groupInputOf.get(innerIndex);
    return slots == null ? null : slots.get(innerSlot);
  }

  /** The definition link into inner node {@code i}'s slot, or null. */
  JsonArray internalLink(int innerIndex, int innerSlot) {
    Map<Integer, JsonArray> slots = linksTo.get(innerIndex);
    return slots == null ? null : slots.get(innerSlot);
  }

  InnerOutput output(int groupSlot) {
    return groupSlot >= 0 && groupSlot < outputs.size() ? outputs.get(groupSlot) : null;
  }

  /** The group instance's {@code widgets_values}, spread onto the inner nodes: index → input name → value. */
  Map<Integer, Map<String, Object>> widgetValues(JsonObject instance) {
    Map<Integer, Map<String, Object>> result = new HashMap<>();
    if (!(instance.getValue("widgets_values") instanceof JsonArray values)) {
      return result;
    }
    for (int pos = 0; pos < widgets.size() && pos < values.size(); pos++) {
      WidgetEntry entry = widgets.get(pos);
      Object value = values.getValue(pos);
      if (entry.inputName() != null && value != null) {
        result.computeIfAbsent(entry.innerIndex(), k -> new HashMap<>()).put(entry.inputName(), value);
      }
    }
    return result;
  }

  private void indexLinks(JsonObject definition) {
    if (definition.getValue("links") instanceof JsonArray links) {
      for (Object raw : links) {
        if (raw instanceof JsonArray link && link.size() >= 4 && link.getValue(0) != null) {
          int from = slotNumber(link.getValue(0));
          int fromSlot = slotNumber(link.getValue(1));
          linksFrom.computeIfAbsent(from, k -> new HashMap<>()).computeIfAbsent(fromSlot, k -> new ArrayList<>())
              .add(link);
          linksTo.computeIfAbsent(slotNumber(link.getValue(2)), k -> new HashMap<>())
              .put(slotNumber(link.getValue(3)), link);
        }
      }
    }
    if (definition.getValue("external") instanceof JsonArray external) {
      for (Object raw : external) {
        if (raw instanceof JsonArray ext && ext.size() >= 2) {
          externalFrom.computeIfAbsent(slotNumber(ext.getValue(0)), k -> new HashMap<>())
              .put(slotNumber(ext.getValue(1)), ext.size() > 2 ? ext.getValue(2) : null);
        }
      }
    }
  }

  /** Widgets of one inner node (converted ones deferred), then its link-only inputs not fed inside the group. */
  private int addInputsAndWidgets(int i, JsonObject inner, NodeCatalog catalog, JsonObject nodeConfig,
      int inputCount, List<Converted> converted) {
    String type = inner.getString("type");
    JsonArray innerInputs = inner.getValue("inputs") instanceof JsonArray a ? a : new JsonArray();
    boolean uploadPending = WidgetLayout.hasUploadButton(catalog, type);
    List<String> linkOnly = new ArrayList<>();
    for (InputSpec spec : catalog.inputs(type)) {
      if (uploadPending && !spec.required()) {
        widgets.add(new WidgetEntry(i, null));
        uploadPending = false;
      }
      // The group builder asks only whether the type has a widget: forceInput inputs count as converted widgets.
      if (!(spec.isWidget() || WidgetLayout.isCombo(spec))) {
        linkOnly.add(spec.name());
        continue;
      }
      int convertedSlot = convertedWidgetSlot(innerInputs, spec.name());
      if (convertedSlot >= 0) {
        converted.add(new Converted(i, spec, convertedSlot));
      } else {
        addWidget(i, spec);
      }
    }
    if (uploadPending) {
      widgets.add(new WidgetEntry(i, null));
    }
    JsonObject inputConfig = nodeConfig.getValue("input") instanceof JsonObject c ? c : new JsonObject();
    for (int s = 0; s < linkOnly.size(); s++) {
      String name = linkOnly.get(s);
      int slot = slotOf(innerInputs, name, s);
      if (internalLink(i, slot) != null) {
        continue;
      }
      if (inputConfig.getValue(name) instanceof JsonObject c && Boolean.FALSE.equals(c.getValue("visible"))) {
        continue;
      }
      groupInputOf.computeIfAbsent(i, k -> new HashMap<>()).put(slot, inputCount++);
    }
    return inputCount;
  }

  private void addWidget(int innerIndex, InputSpec spec) {
    widgets.add(new WidgetEntry(innerIndex, spec.name()));
    for (int c = 0; c < WidgetLayout.controlSlots(spec); c++) {
      widgets.add(new WidgetEntry(innerIndex, null));
    }
  }

  private void addOutputs(int i, int outputCount, JsonObject nodeConfig) {
    JsonObject outputConfig = nodeConfig.getValue("output") instanceof JsonObject c ? c : new JsonObject();
    for (int o = 0; o < outputCount; o++) {
      boolean usedInside = linksFrom.getOrDefault(i, Map.of()).containsKey(o)
          && !externalFrom.getOrDefault(i, Map.of()).containsKey(o);
      Object visible = outputConfig.getValue(String.valueOf(o)) instanceof JsonObject c ? c.getValue("visible") : null;
      if (visible instanceof Boolean b ? b : !usedInside) {
        outputs.add(new InnerOutput(i, o));
      }
    }
  }

  /** Where a widget converted to an input sits in the inner node's inputs, or -1. */
  private static int convertedWidgetSlot(JsonArray innerInputs, String name) {
    for (int s = 0; s < innerInputs.size(); s++) {
      if (innerInputs.getValue(s) instanceof JsonObject in && name.equals(in.getValue("name"))
          && in.getValue("widget") instanceof JsonObject widget && name.equals(widget.getValue("name"))) {
        return s;
      }
    }
    return -1;
  }

  private static int slotOf(JsonArray innerInputs, String name, int fallback) {
    for (int s = 0; s < innerInputs.size(); s++) {
      if (innerInputs.getValue(s) instanceof JsonObject in && name.equals(in.getValue("name"))) {
        return s;
      }
    }
    return fallback;
  }

  static int slotNumber(Object value) {
    if (value instanceof Number n) {
      return n.intValue();
    }
    try {
      return value == null ? -1 : Integer.parseInt(String.valueOf(value).strip());
    } catch (NumberFormatException notANumber) {
      return -1;
    }
  }
}
