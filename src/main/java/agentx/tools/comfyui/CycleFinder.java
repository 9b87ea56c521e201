package agentx.tools.comfyui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds dependency cycles by walking links from each output node, the way ComfyUI's validation
 * walks them. Newer ComfyUI reports each node on a cycle as {@code dependency_cycle}; v0.3.64 only
 * failed at execution, so catching it offline saves a run.
 */
final class CycleFinder {
  private final JsonObject prompt;
  private final NodeCatalog catalog;
  private final Map<String, JsonObject> cycleErrors = new LinkedHashMap<>();
  private final Set<String> done = new HashSet<>();
  private final List<String> stack = new ArrayList<>();

  CycleFinder(JsonObject prompt, NodeCatalog catalog) {
    this.prompt = prompt;
    this.catalog = catalog;
  }

  /** node id → its {@code dependency_cycle} error, for every node on a cycle reachable from an output. */
  Map<String, JsonObject> cycles() {
    for (String id : prompt.fieldNames()) {
      if (catalog.isOutputNode(classOf(id))) {
        visit(id);
      }
    }
    return cycleErrors;
  }

  private void visit(String id) {
    if (done.contains(id)) {
      return;
    }
    int onStack = stack.indexOf(id);
    if (onStack >= 0) {
      record(new ArrayList<>(stack.subList(onStack, stack.size())));
      return;
    }
    if (stack.size() >= WorkflowValidator.MAX_CHAIN_DEPTH) {
      throw WorkflowValidator.chainTooLong();
    }
    stack.add(id);
    JsonObject inputs = prompt.getJsonObject(id).getValue("inputs") instanceof JsonObject o ? o : new JsonObject();
    for (String name : inputs.fieldNames()) {
      if (inputs.getValue(name) instanceof JsonArray link && link.size() == 2
          && link.getValue(0) instanceof String target && prompt.getValue(target) instanceof JsonObject) {
        visit(target);
      }
    }
    stack.remove(stack.size() - 1);
    done.add(id);
  }

  private void record(List<String> cycle) {
    StringBuilder path = new StringBuilder();
    for (String id : cycle) {
      path.append(id).append(" (").append(classOf(id)).append(") -> ");
    }
    path.append(cycle.get(0)).append(" (").append(classOf(cycle.get(0))).append(")");
    for (String id : cycle) {
      cycleErrors.putIfAbsent(id, WorkflowValidator.error("dependency_cycle", "Dependency cycle detected",
          path.toString(), new JsonObject().put("node_id", id).put("cycle_nodes", new JsonArray(new ArrayList<>(cycle)))));
    }
  }

  private String classOf(String id) {
    return prompt.getValue(id) instanceof JsonObject node ? node.getString("class_type") : null;
  }
}
