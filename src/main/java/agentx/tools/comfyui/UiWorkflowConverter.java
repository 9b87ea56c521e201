package agentx.tools.comfyui;

import agentx.protocol.WorkflowFormat;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a workflow in ComfyUI's UI save format ({@code {nodes, links, ..., definitions?}}) into the API
 * format ComfyUI runs ({@code {"<id>": {inputs, class_type, _meta: {title}}}}), doing what the frontend's
 * {@code graphToPrompt} does. Pure: needs only the workflow and {@code /object_info}.
 *
 * <ul>
 *   <li>Widget values become named inputs ({@link WidgetLayout}); a link into a widget's input wins.</li>
 *   <li>Muted nodes (mode 2) are left out, and so is any input linked from one. Bypassed nodes (mode 4) are
 *       left out and wired through: a consumer gets the bypassed node's input of a matching type.</li>
 *   <li>Reroute nodes are followed to the real source. A legacy PrimitiveNode puts its value into the
 *       widgets it feeds; the PrimitiveInt/Float/String/Boolean nodes are real nodes and stay.</li>
 *   <li>Note and MarkdownNote are skipped; so is a node of an unknown class that nothing is linked to.</li>
 *   <li>Subgraphs ({@code definitions.subgraphs}) and legacy group nodes ({@code extra.groupNodes}) are
 *       expanded into their inner nodes, with ids {@code <instance id>:<inner id>}.</li>
 * </ul>
 *
 * <p>What cannot be converted throws a {@link UiConversionException} naming the node.
 */
public final class UiWorkflowConverter {
  static final Set<String> NOTE_TYPES = Set.of("Note", "MarkdownNote");
  private static final int MODE_NEVER = 2;
  private static final int MODE_BYPASS = 4;
  private static final String SUBGRAPH_INPUT_NODE = "-10";
  private static final String SUBGRAPH_OUTPUT_NODE = "-20";
  /**
   * How many reroutes, bypassed nodes and subgraph boundaries one input's value may pass through: each is two
   * frames of the resolution's recursion, so a deeper chain is refused with a sentence here, always, instead of
   * wherever the thread's stack happens to end (a few thousand). Real workflows stay in the tens.
   */
  static final int MAX_LINK_HOPS = 500;

  private UiWorkflowConverter() {}

  /** Same as {@link #toApi(JsonObject, NodeCatalog)}, from the raw {@code /object_info} answer. */
  public static JsonObject toApi(JsonObject uiWorkflow, JsonObject objectInfo) {
    return toApi(uiWorkflow, new NodeCatalog(objectInfo));
  }

  /**
   * The API-format workflow for a UI-format one.
   *
   * @throws UiConversionException when the input is not UI format, or a node cannot be converted (unknown
   *     class, link to a link or node that is not there, a loop of reroutes...); the message says which and why
   */
  public static JsonObject toApi(JsonObject uiWorkflow, NodeCatalog catalog) {
    if (!WorkflowFormat.isUiFormat(uiWorkflow)) {
      throw new UiConversionException(null, null, "This is not a workflow in ComfyUI's UI save format: it has no"
          + " 'nodes' and 'links' arrays, so there is nothing to convert.");
    }
    try {
      return new Conversion(uiWorkflow, catalog).run();
    } catch (UiConversionException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      // a shape the checks above did not foresee (a slot of -1, a group node's inner node without a type; a stack overflow
      // only on a thread with less stack than MAX_LINK_HOPS assumes): the workflow's fault, said as such, not a server error
      throw new UiConversionException(null, null, "This UI-format workflow could not be converted: part of it is malformed or"
          + " nested deeper than this converter follows (" + (e instanceof StackOverflowError ? "too deep" : e.toString()) + ").");
    }
  }

  private enum Kind {
    /** A class from /object_info: what ends up in the API workflow. */
    REAL,
    REROUTE,
    PRIMITIVE,
    /** Notes, and unknown classes nothing is linked to: skipped. */
    SKIPPED,
    /** An unknown class in a muted or bypassed node: never emitted, but consumers may still point at it. */
    UNKNOWN,
    SUBGRAPH,
    GROUP
  }

  /** Where an input's value comes from: another node's output, or a value put in place of a link. */
  private sealed interface Source permits Wire, Literal {}

  private record Wire(String originId, int slot) implements Source {}

  private record Literal(Object value) implements Source {}

  private record Link(String id, String originId, int originSlot, String targetId, int targetSlot) {}

  /** One graph: the root, or one subgraph instance's copy of its definition. */
  private static final class Scope {
    final String prefix;
    final Node instance;
    final JsonObject definition;
    final Map<String, Link> links = new HashMap<>();
    final Map<String, Node> nodes = new LinkedHashMap<>();

    Scope(String prefix, Node instance, JsonObject definition) {
      this.prefix = prefix;
      this.instance = instance;
      this.definition = definition;
    }

    String ioNodeId(String key, String fallback) {
      if (definition != null && definition.getValue(key) instanceof JsonObject io && io.getValue("id") != null) {
        return idText(io.getValue("id"));
      }
      return fallback;
    }
  }

  /** A node at one place of the expanded graph. */
  private static final class Node {
    final String execId;
    final JsonObject ui;
    final String type;
    final Scope scope;
    final int mode;
    Kind kind;
    Scope inner;
    GroupNodeLayout group;
    List<Node> groupNodes;
    Node groupOwner;
    int groupIndex = -1;

    Node(String execId, JsonObject ui, String type, Scope scope, int mode) {
      this.execId = execId;
      this.ui = ui;
      this.type = type;
      this.scope = scope;
      this.mode = mode;
    }

    boolean removed() {
      return mode == MODE_NEVER || mode == MODE_BYPASS;
    }

    JsonArray inputs() {
      return ui.getValue("inputs") instanceof JsonArray a ? a : new JsonArray();
    }

    JsonObject input(int slot) {
      JsonArray inputs = inputs();
      return slot >= 0 && slot < inputs.size() && inputs.getValue(slot) instanceof JsonObject o ? o : null;
    }

    String inputName(int slot) {
      JsonObject input = input(slot);
      return input == null ? "#" + slot : String.valueOf(input.getValue("name"));
    }

    @Override
    public String toString() {
      return "node " + execId + " (" + type + ")";
    }
  }

  private static final class Conversion {
    private final JsonObject workflow;
    private final NodeCatalog catalog;
    private final Map<String, JsonObject> subgraphs = new HashMap<>();
    private final JsonObject groupDefinitions;
    private final List<Node> emissionOrder = new ArrayList<>();
    private final List<Node> primitives = new ArrayList<>();
    private final Map<String, Map<String, Object>> widgetOverrides = new HashMap<>();

    Conversion(JsonObject workflow, NodeCatalog catalog) {
      this.workflow = workflow;
      this.catalog = catalog;
      collectSubgraphs(workflow);
      JsonObject extra = workflow.getValue("extra") instanceof JsonObject e ? e : new JsonObject();
      this.groupDefinitions = extra.getValue("groupNodes") instanceof JsonObject g ? g : new JsonObject();
    }

    JsonObject run() {
      fillScope(new Scope("", null, null), workflow, 0, List.of());
      primitives.forEach(this::applyPrimitive);
      JsonObject api = new JsonObject();
      for (Node node : emissionOrder) {
        if (node.kind == Kind.REAL && !node.removed()) {
          api.put(node.execId, apiNode(node));
        }
      }
      removeLinksToMissingNodes(api);
      return api;
    }

    // ---- building the expanded graph -------------------------------------------------------------

    /** Subgraph definitions may themselves carry definitions (nested subgraphs): collect them all by id. */
    private void collectSubgraphs(JsonObject graph) {
      if (graph.getValue("definitions") instanceof JsonObject definitions
          && definitions.getValue("subgraphs") instanceof JsonArray list) {
        for (Object raw : list) {
          if (raw instanceof JsonObject definition && definition.getValue("id") instanceof String id) {
            subgraphs.putIfAbsent(id, definition);
            collectSubgraphs(definition);
          }
        }
      }
    }

    /** Reads one graph's links and nodes into {@code scope}, expanding subgraph and group nodes in place. */
    private void fillScope(Scope scope, JsonObject graph, int outerMode, List<String> openSubgraphs) {
      String prefix = scope.prefix;
      Node instance = scope.instance;
      indexLinks(scope, graph, instance);
      for (JsonObject ui : inExecutionOrder(graph.getValue("nodes"))) {
        Object rawId = ui.getValue("id");
        Object rawType = ui.getValue("type");
        if (rawId == null) {
          throw new UiConversionException(null, rawType instanceof String t ? t : null, "A node "
              + (rawType instanceof String t ? "of type '" + t + "' " : "") + where(instance) + "has no id.");
        }
        String id = idText(rawId);
        if (!(rawType instanceof String type) || type.isBlank()) {
          throw new UiConversionException(prefix + id, null, "Node " + prefix + id + " has no type.");
        }
        int ownMode = ui.getValue("mode") instanceof Number m ? m.intValue() : 0;
        // Muting or bypassing a subgraph or group node applies to everything inside it.
        int mode = outerMode == MODE_NEVER || outerMode == MODE_BYPASS ? outerMode : ownMode;
        Node node = new Node(prefix + id, ui, type, scope, mode);
        node.kind = classify(node);
        scope.nodes.put(id, node);
      }
      for (Node node : scope.nodes.values()) {
        switch (node.kind) {
          case SUBGRAPH -> {
            if (openSubgraphs.contains(node.type)) {
              throw fail(node, "the subgraph contains itself, so it cannot be expanded.");
            }
            List<String> open = new ArrayList<>(openSubgraphs);
            open.add(node.type);
            JsonObject inner = subgraphs.get(node.type);
            node.inner = new Scope(node.execId + ":", node, inner);
            fillScope(node.inner, inner, node.mode, open);
          }
          case GROUP -> expandGroup(node);
          case REAL -> emissionOrder.add(node);
          case PRIMITIVE -> primitives.add(node);
          default -> { }
        }
      }
    }

    private Kind classify(Node node) {
      if ("Reroute".equals(node.type)) {
        return Kind.REROUTE;
      }
      if ("PrimitiveNode".equals(node.type)) {
        return Kind.PRIMITIVE;
      }
      if (NOTE_TYPES.contains(node.type)) {
        return Kind.SKIPPED;
      }
      if (subgraphs.containsKey(node.type)) {
        return Kind.SUBGRAPH;
      }
      if (catalog.has(node.type)) {
        return Kind.REAL;
      }
      if (groupName(node.type) != null) {
        return Kind.GROUP;
      }
      if (!isLinked(node.ui)) {
        // A frontend-only node (a label, a group muter...) or any node nothing depends on: nothing to run.
        return Kind.SKIPPED;
      }
      if (node.removed()) {
        return Kind.UNKNOWN;
      }
      throw unknownClass(node);
    }

    private UiConversionException unknownClass(Node node) {
      return fail(node, "'" + node.type + "' is not in this ComfyUI's node list (/object_info) nor a subgraph or"
          + " group node of the workflow; it is probably a custom node that is not installed. Install it, or"
          + " remove the node from the workflow.");
    }

    private void expandGroup(Node node) {
      String name = groupName(node.type);
      if (!(groupDefinitions.getValue(name) instanceof JsonObject definition)) {
        throw fail(node, "it is an instance of the group node '" + name + "', but the workflow has no definition"
            + " for it in extra.groupNodes.");
      }
      node.group = GroupNodeLayout.of(definition, catalog,
          why -> fail(node, "the group node '" + name + "' cannot be expanded: " + why + "."));
      node.groupNodes = new ArrayList<>();
      for (int i = 0; i < node.group.size(); i++) {
        JsonObject innerUi = node.group.inner(i);
        String innerType = innerUi.getString("type");
        int ownMode = innerUi.getValue("mode") instanceof Number m ? m.intValue() : 0;
        int mode = node.removed() ? node.mode : ownMode;
        Node inner = new Node(node.execId + ":" + i, innerUi, innerType, node.scope, mode);
        inner.kind = NOTE_TYPES.contains(innerType) ? Kind.SKIPPED : Kind.REAL;
        inner.groupOwner = node;
        inner.groupIndex = i;
        node.groupNodes.add(inner);
        if (inner.kind == Kind.REAL) {
          emissionOrder.add(inner);
        }
      }
      node.group.widgetValues(node.ui).forEach((index, values) ->
          widgetOverrides.computeIfAbsent(node.execId + ":" + index, k -> new HashMap<>()).putAll(values));
    }

    /** Group node types are {@code workflow>name} (frontend 1.2.63 on) or {@code workflow/name} (before). */
    private static String groupName(String type) {
      for (String prefix : List.of("workflow>", "workflow/")) {
        if (type.startsWith(prefix) && type.length() > prefix.length()) {
          return type.substring(prefix.length());
        }
      }
      return null;
    }

    private void indexLinks(Scope scope, JsonObject graph, Node instance) {
      if (!(graph.getValue("links") instanceof JsonArray links)) {
        return;
      }
      for (Object raw : links) {
        Link link = parseLink(raw);
        if (link == null && raw != null) {
          throw new UiConversionException(instance == null ? null : instance.execId,
              instance == null ? null : instance.type, "The links " + where(instance) + "contain an entry that"
              + " is not a link: " + ComfyUiException.abbreviate(String.valueOf(raw), 120));
        }
        if (link != null) {
          scope.links.put(link.id(), link);
        }
      }
    }

    /** {@code [id, origin, origin slot, target, target slot, type]}, or the object form newer files use. */
    private static Link parseLink(Object raw) {
      if (raw instanceof JsonArray a && a.size() >= 5 && a.getValue(0) != null && a.getValue(1) != null
          && a.getValue(3) != null) {
        return new Link(idText(a.getValue(0)), idText(a.getValue(1)), GroupNodeLayout.slotNumber(a.getValue(2)),
            idText(a.getValue(3)), GroupNodeLayout.slotNumber(a.getValue(4)));
      }
      if (raw instanceof JsonObject o && o.getValue("id") != null && o.getValue("origin_id") != null
          && o.getValue("target_id") != null) {
        return new Link(idText(o.getValue("id")), idText(o.getValue("origin_id")),
            GroupNodeLayout.slotNumber(o.getValue("origin_slot")), idText(o.getValue("target_id")),
            GroupNodeLayout.slotNumber(o.getValue("target_slot")));
      }
      return null;
    }

    // ---- values ----------------------------------------------------------------------------------

    /**
     * A PrimitiveNode writes its value into each widget it is directly linked to (the frontend's
     * applyToGraph, run whatever the primitive's mode); the link itself then resolves to nothing.
     */
    private void applyPrimitive(Node primitive) {
      if (!(primitive.ui.getValue("widgets_values") instanceof JsonArray values) || values.isEmpty()
          || values.getValue(0) == null) {
        return;
      }
      Object value = values.getValue(0);
      for (Link link : primitive.scope.links.values()) {
        if (!link.originId().equals(localId(primitive))) {
          continue;
        }
        Node target = primitive.scope.nodes.get(link.targetId());
        JsonObject input = target == null ? null : target.input(link.targetSlot());
        if (input != null && input.getValue("widget") instanceof JsonObject widget
            && widget.getValue("name") instanceof String widgetName) {
          widgetOverrides.computeIfAbsent(target.execId, k -> new HashMap<>()).put(widgetName, value);
        }
      }
    }

    private static String localId(Node node) {
      return node.execId.substring(node.scope.prefix.length());
    }

    private JsonObject apiNode(Node node) {
      JsonObject inputs = new JsonObject();
      Map<String, Object> widgetValues = WidgetLayout.values(node.ui, node.type, catalog);
      Map<String, Object> overrides = widgetOverrides.getOrDefault(node.execId, Map.of());
      widgetValues.forEach((name, value) -> inputs.put(name, literal(overrides.getOrDefault(name, value))));
      JsonArray uiInputs = node.inputs();
      for (int slot = 0; slot < uiInputs.size(); slot++) {
        if (!(uiInputs.getValue(slot) instanceof JsonObject input)
            || !(input.getValue("name") instanceof String name)) {
          continue;
        }
        Source source = resolveInput(node, slot, null, new HashSet<>());
        if (source instanceof Literal literal) {
          inputs.put(name, literal(literal.value()));
        } else if (source instanceof Wire wire) {
          inputs.put(name, new JsonArray().add(wire.originId()).add(wire.slot()));
        }
      }
      return new JsonObject().put("inputs", inputs).put("class_type", node.type)
          .put("_meta", new JsonObject().put("title", title(node)));
    }

    /** A list value is wrapped, or ComfyUI would read it as a link. */
    private static Object literal(Object value) {
      return value instanceof JsonArray list ? new JsonObject().put("__value__", list) : value;
    }

    private String title(Node node) {
      if (node.ui.getValue("title") instanceof String title && !title.isEmpty()) {
        return title;
      }
      JsonObject info = catalog.info(node.type);
      return info != null && info.getValue("display_name") instanceof String name && !name.isEmpty() ? name : node.type;
    }

    /** As the frontend's last step: an input linked to a node that is not in the result (muted...) is dropped. */
    private static void removeLinksToMissingNodes(JsonObject api) {
      for (String id : api.fieldNames()) {
        JsonObject inputs = api.getJsonObject(id).getJsonObject("inputs");
        List<String> dangling = new ArrayList<>();
        for (String name : inputs.fieldNames()) {
          if (inputs.getValue(name) instanceof JsonArray link && link.size() == 2
              && !api.containsKey(String.valueOf(link.getValue(0)))) {
            dangling.add(name);
          }
        }
        dangling.forEach(inputs::remove);
      }
    }

    // ---- link resolution (the frontend's ExecutableNodeDTO.resolveInput / resolveOutput) -----------

    private Source resolveInput(Node node, int slot, Object type, Set<String> visited) {
      if (visited.size() > 2 * MAX_LINK_HOPS) {
        throw fail(node, "the value of its input '" + node.inputName(slot) + "' comes through more than " + MAX_LINK_HOPS
            + " reroutes, bypassed nodes or subgraph boundaries, more than this converter follows.");
      }
      if (!visited.add(node.execId + "[I]" + slot)) {
        throw fail(node, "its input '" + node.inputName(slot) + "' is part of a loop of links (through reroutes,"
            + " bypassed nodes or subgraph inputs), so where its value comes from cannot be resolved.");
      }
      if (node.groupOwner != null) {
        return resolveGroupInnerInput(node, slot, visited);
      }
      JsonObject input = node.input(slot);
      if (input == null) {
        throw fail(node, "a link arrives at its input slot " + slot + ", but the node has no such input.");
      }
      Object linkId = input.getValue("link");
      if (linkId == null) {
        return null;
      }
      Link link = node.scope.links.get(idText(linkId));
      if (link == null) {
        throw fail(node, "its input '" + node.inputName(slot) + "' uses link " + idText(linkId)
            + ", which is not in the workflow's links.");
      }
      Scope scope = node.scope;
      if (scope.instance != null && link.originId().equals(scope.ioNodeId("inputNode", SUBGRAPH_INPUT_NODE))) {
        return resolveSubgraphInput(scope.instance, link.originSlot(), visited);
      }
      Node origin = scope.nodes.get(link.originId());
      if (origin == null) {
        throw fail(node, "its input '" + node.inputName(slot) + "' is linked from node " + scope.prefix
            + link.originId() + ", which is not in the workflow.");
      }
      return resolveOutput(origin, link.originSlot(), type != null ? type : input.getValue("type"), visited);
    }

    private Source resolveOutput(Node node, int slot, Object type, Set<String> visited) {
      if (!visited.add(node.execId + "[O]" + slot)) {
        throw fail(node, "its output " + slot + " is part of a loop of links (through reroutes, bypassed nodes or"
            + " subgraph outputs), so its consumers cannot be resolved.");
      }
      if (node.mode == MODE_BYPASS) {
        int through = node.kind == Kind.GROUP ? groupBypassSlot(node, slot, type) : bypassSlot(node, slot, type);
        return through < 0 ? null : resolveInput(node, through, null, visited);
      }
      return switch (node.kind) {
        case SUBGRAPH -> resolveSubgraphOutput(node, slot, type, visited);
        case GROUP -> resolveGroupOutput(node, slot, type, visited);
        case REROUTE, PRIMITIVE, SKIPPED -> node.input(slot) == null ? null : resolveInput(node, slot, type, visited);
        case REAL, UNKNOWN -> new Wire(node.execId, slot);
      };
    }

    /**
     * The frontend's choice of the input a bypassed node passes through to output {@code slot}, for a
     * consumer of {@code type}: the input at the same index if its type fits both, else the first input
     * of exactly that type, else the first that fits both; -1 if none.
     */
    private static int bypassSlot(Node node, int slot, Object type) {
      JsonArray inputs = node.inputs();
      if (inputs.isEmpty()) {
        return -1;
      }
      if (isWildcard(type)) {
        return inputs.size() > slot ? slot : 0;
      }
      JsonArray outputs = node.ui.getValue("outputs") instanceof JsonArray o ? o : new JsonArray();
      Object outputType = slot < outputs.size() && outputs.getValue(slot) instanceof JsonObject out
          ? out.getValue("type") : type;
      JsonObject opposite = node.input(slot);
      if (opposite != null && fits(opposite.getValue("type"), outputType) && fits(opposite.getValue("type"), type)) {
        return slot;
      }
      for (int i = 0; i < inputs.size(); i++) {
        if (node.input(i) != null && type.equals(node.input(i).getValue("type"))) {
          return i;
        }
      }
      for (int i = 0; i < inputs.size(); i++) {
        JsonObject input = node.input(i);
        if (input != null && fits(input.getValue("type"), outputType) && fits(input.getValue("type"), type)) {
          return i;
        }
      }
      return -1;
    }

    /** A bypassed group node: the input at the same index, else the first, whose type is exactly the consumer's. */
    private static int groupBypassSlot(Node node, int slot, Object type) {
      List<Integer> candidates = new ArrayList<>();
      candidates.add(slot);
      for (int i = 0; i < node.inputs().size(); i++) {
        candidates.add(i);
      }
      for (int i : candidates) {
        JsonObject input = node.input(i);
        if (input != null && input.getValue("type") != null && input.getValue("type").equals(type)) {
          return i;
        }
      }
      return -1;
    }

    /** LiteGraph's isValidConnection: wildcards fit anything; otherwise case-insensitive, comma lists overlap. */
    private static boolean fits(Object a, Object b) {
      if (isWildcard(a) || isWildcard(b) || a.equals(b)) {
        return true;
      }
      String left = String.valueOf(a).toLowerCase(Locale.ROOT);
      String right = String.valueOf(b).toLowerCase(Locale.ROOT);
      if (!left.contains(",") && !right.contains(",")) {
        return left.equals(right);
      }
      for (String l : left.split(",")) {
        for (String r : right.split(",")) {
          if (fits(l, r)) {
            return true;
          }
        }
      }
      return false;
    }

    private static boolean isWildcard(Object type) {
      return type == null || "".equals(type) || "*".equals(type) || (type instanceof Number n && n.intValue() == 0);
    }

    /** An inner node reads subgraph input {@code k}: the instance's link there, else its promoted widget's value. */
    private Source resolveSubgraphInput(Node instance, int k, Set<String> visited) {
      JsonObject input = instance.input(k);
      if (input == null) {
        throw fail(instance, "a node inside the subgraph reads its input slot " + k + ", which the subgraph node does"
            + " not have.");
      }
      if (input.getValue("link") != null) {
        return resolveInput(instance, k, null, visited);
      }
      Object value = promotedWidgetValue(instance, k);
      return value == null ? null : new Literal(value);
    }

    /**
     * The value a subgraph node holds for an input shown as a widget on it: one value per such input, in
     * input order, except that older files also stored the control_after_generate value after a seed.
     */
    private Object promotedWidgetValue(Node instance, int k) {
      JsonObject input = instance.input(k);
      if (!(input.getValue("widget") instanceof JsonObject)) {
        return null;
      }
      Object saved = instance.ui.getValue("widgets_values");
      if (saved instanceof JsonObject named) {
        return named.getValue(String.valueOf(input.getValue("name")));
      }
      if (!(saved instanceof JsonArray values)) {
        return null;
      }
      List<Integer> promoted = new ArrayList<>();
      for (int i = 0; i < instance.inputs().size(); i++) {
        if (instance.input(i) != null && instance.input(i).getValue("widget") instanceof JsonObject) {
          promoted.add(i);
        }
      }
      boolean withControls = values.size() > promoted.size();
      int position = 0;
      for (int i : promoted) {
        if (i == k) {
          return position < values.size() ? values.getValue(position) : null;
        }
        position += 1 + (withControls && innerWidgetHasControl(instance, i) ? 1 : 0);
      }
      return null;
    }

    private boolean innerWidgetHasControl(Node instance, int k) {
      Scope inner = instance.inner;
      String inputNode = inner.ioNodeId("inputNode", SUBGRAPH_INPUT_NODE);
      for (Link link : inner.links.values()) {
        if (link.originId().equals(inputNode) && link.originSlot() == k) {
          Node target = inner.nodes.get(link.targetId());
          JsonObject targetInput = target == null ? null : target.input(link.targetSlot());
          if (targetInput != null && target.kind == Kind.REAL) {
            NodeCatalog.InputSpec spec = catalog.input(target.type, String.valueOf(targetInput.getValue("name")));
            return spec != null && WidgetLayout.controlSlots(spec) > 0;
          }
        }
      }
      return false;
    }

    /** A consumer of subgraph output {@code slot}: follow the inner link into the subgraph's output node. */
    private Source resolveSubgraphOutput(Node instance, int slot, Object type, Set<String> visited) {
      Scope inner = instance.inner;
      String outputNode = inner.ioNodeId("outputNode", SUBGRAPH_OUTPUT_NODE);
      Link innerLink = inner.links.values().stream()
          .filter(l -> l.targetId().equals(outputNode) && l.targetSlot() == slot)
          .min(Comparator.comparing(Link::id))
          .orElse(null);
      if (innerLink == null) {
        return null;
      }
      if (innerLink.originId().equals(inner.ioNodeId("inputNode", SUBGRAPH_INPUT_NODE))) {
        return resolveSubgraphInput(instance, innerLink.originSlot(), visited);
      }
      Node origin = inner.nodes.get(innerLink.originId());
      if (origin == null) {
        throw fail(instance, "its output " + slot + " comes from node " + inner.prefix + innerLink.originId()
            + " inside the subgraph, which is not there.");
      }
      return resolveOutput(origin, innerLink.originSlot(), type, visited);
    }

    private Source resolveGroupOutput(Node group, int slot, Object type, Set<String> visited) {
      GroupNodeLayout.InnerOutput output = group.group.output(slot);
      if (output == null) {
        throw fail(group, "something is linked from its output " + slot + ", which the group node does not have.");
      }
      return resolveOutput(group.groupNodes.get(output.innerIndex()), output.slot(), type, visited);
    }

    /** An inner node of a group: fed through the group node's input, or by a link inside the definition. */
    private Source resolveGroupInnerInput(Node inner, int slot, Set<String> visited) {
      Node owner = inner.groupOwner;
      Integer groupInput = owner.group.groupInput(inner.groupIndex, slot);
      if (groupInput != null) {
        return owner.input(groupInput) == null ? null : resolveInput(owner, groupInput, null, visited);
      }
      JsonArray link = owner.group.internalLink(inner.groupIndex, slot);
      if (link == null) {
        return null;
      }
      int from = GroupNodeLayout.slotNumber(link.getValue(0));
      if (from < 0 || from >= owner.groupNodes.size()) {
        throw fail(owner, "inside the group node, inner node " + inner.groupIndex + " is linked from inner node "
            + from + ", which the definition does not have.");
      }
      JsonObject input = inner.input(slot);
      return resolveOutput(owner.groupNodes.get(from), GroupNodeLayout.slotNumber(link.getValue(1)),
          input == null ? null : input.getValue("type"), visited);
    }
  }

  // ---- small helpers -------------------------------------------------------------------------------

  private static boolean isLinked(JsonObject ui) {
    if (ui.getValue("inputs") instanceof JsonArray inputs) {
      for (Object raw : inputs) {
        if (raw instanceof JsonObject input && input.getValue("link") != null) {
          return true;
        }
      }
    }
    if (ui.getValue("outputs") instanceof JsonArray outputs) {
      for (Object raw : outputs) {
        if (raw instanceof JsonObject output && output.getValue("links") instanceof JsonArray links
            && !links.isEmpty()) {
          return true;
        }
      }
    }
    return false;
  }

  /** The saved nodes in the order the frontend runs them ({@code order}), else as listed. */
  private static List<JsonObject> inExecutionOrder(Object nodes) {
    List<JsonObject> result = new ArrayList<>();
    if (nodes instanceof JsonArray list) {
      list.forEach(raw -> {
        if (raw instanceof JsonObject node) {
          result.add(node);
        }
      });
    }
    result.sort(Comparator.comparingDouble(n -> n.getValue("order") instanceof Number o ? o.doubleValue()
        : Double.MAX_VALUE));
    return result;
  }

  /** Node and link ids as the API writes them: 12, not 12.0. */
  static String idText(Object id) {
    if (id instanceof Number n && !(n instanceof Integer || n instanceof Long)) {
      BigDecimal exact = new BigDecimal(n.toString());
      if (exact.stripTrailingZeros().scale() <= 0) {
        return exact.toBigInteger().toString();
      }
    }
    return String.valueOf(id);
  }

  private static String where(Node instance) {
    return instance == null ? "" : "inside " + instance + " ";
  }

  private static UiConversionException fail(Node node, String why) {
    String at = node.groupOwner != null
        ? "Node " + node.execId + " (" + node.type + ", inside group node " + node.groupOwner.execId + ")"
        : "Node " + node.execId + " (" + node.type + ")";
    return new UiConversionException(node.execId, node.type, at + " cannot be converted: " + why);
  }
}
