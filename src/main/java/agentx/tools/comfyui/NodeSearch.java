package agentx.tools.comfyui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Ranked search over {@code /object_info}. Every word of the query must match the class name,
 * display name, category or description; name hits weigh most, so "ksampler" finds KSampler
 * before the nodes that only mention sampling in their description.
 */
final class NodeSearch {
  private NodeSearch() {}

  static JsonArray search(NodeCatalog catalog, String query, String category, int limit) {
    String q = query.toLowerCase(Locale.ROOT).strip();
    String[] words = q.split("\\s+");
    record Hit(String name, int score) {}
    List<Hit> hits = new ArrayList<>();
    for (String name : catalog.classNames()) {
      JsonObject info = catalog.info(name);
      String cat = text(info, "category");
      if (category != null && !cat.startsWith(category.toLowerCase(Locale.ROOT).strip())) {
        continue;
      }
      int score = score(name.toLowerCase(Locale.ROOT), text(info, "display_name"), cat, text(info, "description"), q, words);
      if (score > 0) {
        if (Boolean.TRUE.equals(info.getValue("deprecated"))) {
          score -= 5;
        }
        hits.add(new Hit(name, score));
      }
    }
    hits.sort(Comparator.comparingInt(Hit::score).reversed().thenComparing(Hit::name));
    JsonArray result = new JsonArray();
    hits.stream().limit(limit).forEach(hit -> result.add(summary(catalog, hit.name())));
    return result;
  }

  private static int score(String name, String display, String category, String description, String query,
      String[] words) {
    int score = 0;
    if (name.equals(query) || name.equals(query.replace(" ", ""))) {
      score += 100;
    }
    if (display.equals(query)) {
      score += 90;
    }
    for (String word : words) {
      int wordScore = 0;
      if (name.contains(word)) {
        wordScore += name.startsWith(word) ? 15 : 10;
      }
      if (display.contains(word)) {
        wordScore += 8;
      }
      if (category.contains(word)) {
        wordScore += 4;
      }
      if (description.contains(word)) {
        wordScore += 2;
      }
      if (wordScore == 0) {
        return 0;
      }
      score += wordScore;
    }
    return score;
  }

  /** What Claude needs to pick a node without the full (sometimes huge) object_info entry. */
  static JsonObject summary(NodeCatalog catalog, String name) {
    JsonObject info = catalog.info(name);
    JsonArray inputs = new JsonArray();
    catalog.inputs(name).forEach(spec -> inputs.add(spec.name() + ":" + spec.typeName() + (spec.required() ? "" : "?")));
    JsonArray outputs = new JsonArray();
    List<String> names = catalog.outputNames(name);
    List<Object> types = catalog.outputs(name);
    for (int i = 0; i < types.size(); i++) {
      outputs.add(i + ":" + PyValues.str(types.get(i)) + (names.get(i).equals(PyValues.str(types.get(i))) ? "" : " (" + names.get(i) + ")"));
    }
    String description = info.getString("description", "");
    return new JsonObject()
        .put("name", name)
        .put("display_name", info.getString("display_name", name))
        .put("category", info.getString("category", ""))
        .put("description", ComfyUiException.abbreviate(description, 200))
        .put("inputs", inputs)
        .put("outputs", outputs)
        .put("output_node", catalog.isOutputNode(name));
  }

  private static String text(JsonObject info, String key) {
    return info.getValue(key) instanceof String s ? s.toLowerCase(Locale.ROOT) : "";
  }
}
