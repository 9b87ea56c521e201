package agentx.tools.comfyui;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.Fixtures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * For each error type in prompt_errors_catalog.json (what ComfyUI answered), the workflow that
 * produces it is rebuilt from the default workflow, and the validator must find the same errors,
 * compared as sets because ComfyUI's order is not fixed.
 */
@DisplayName("WorkflowValidator agrees with ComfyUI's own validation")
class WorkflowValidatorCatalogTest {
  private static final JsonObject CATALOG = Fixtures.json("prompt_errors_catalog.json");
  private static final JsonObject OBJECT_INFO = Fixtures.objectInfo();

  /** Catalog entries about the HTTP body rather than the workflow; covered elsewhere or not offline. */
  private static final Set<String> NOT_ABOUT_THE_WORKFLOW = Set.of(
      "_doc",
      "no_prompt", // the /prompt body lacks "prompt": the client always wraps it
      "invalid_prompt_id__latest", // a client-chosen prompt_id: we let ComfyUI choose
      "invalid_json_or_ui_format__500"); // UI format: see WorkflowValidatorTest (isUiFormat)

  /** How each catalog entry's workflow differs from the default 7-node graph (as the entries' notes say). */
  private static final Map<String, UnaryOperator<JsonObject>> SCENARIOS = new LinkedHashMap<>();

  static {
    UnaryOperator<JsonObject> noClassType = wf -> wf.put("12", new JsonObject().put("inputs", new JsonObject()));
    UnaryOperator<JsonObject> unknownClass = wf -> wf.put("12", node("ETN_LoadImageBase64", new JsonObject())
        .put("_meta", new JsonObject().put("title", "Load Image (Base64)")));
    SCENARIOS.put("missing_class_type__v0.3.64", noClassType);
    SCENARIOS.put("missing_class_type__latest", noClassType);
    SCENARIOS.put("unknown_node_class__v0.3.64", unknownClass);
    SCENARIOS.put("unknown_node_class__latest", unknownClass);
    SCENARIOS.put("prompt_no_outputs", wf -> {
      wf.remove("9");
      return wf;
    });
    SCENARIOS.put("return_type_mismatch", wf -> set(wf, "3", "model", link("4", 1)));
    SCENARIOS.put("dangling_link__exception_during_inner_validation", wf -> set(wf, "3", "latent_image", link("11", 0)));
    SCENARIOS.put("exception_during_validation", wf -> set(wf, "9", "images", link("99", 0)));
    SCENARIOS.put("value_smaller_than_min", wf -> set(wf, "3", "steps", 0));
    SCENARIOS.put("value_bigger_than_max", wf -> set(wf, "3", "denoise", 1.5));
    SCENARIOS.put("invalid_input_type", wf -> set(wf, "5", "width", "512px"));
    SCENARIOS.put("custom_validation_failed__LoadImage", wf -> {
      wf.put("10", node("LoadImage", new JsonObject().put("image", "input-18.jpg")));
      wf.put("11", node("VAEEncode", new JsonObject().put("pixels", link("10", 0)).put("vae", link("4", 2))));
      return set(wf, "3", "latent_image", link("11", 0));
    });
    SCENARIOS.put("bad_linked_input", wf -> set(wf, "8", "samples", new JsonArray().add("3").add(0).add(1)));
    SCENARIOS.put("dependency_cycle__latest", wf -> {
      wf.put("10", node("LatentUpscale", new JsonObject().put("samples", link("3", 0))
          .put("upscale_method", "nearest-exact").put("width", 1024).put("height", 1024).put("crop", "disabled")));
      return set(wf, "3", "latent_image", link("10", 0));
    });
    SCENARIOS.put("partial_success_200", wf -> wf.put("12", node("SaveImage",
        new JsonObject().put("filename_prefix", "ComfyUI"))));
  }

  static Stream<String> catalogEntries() {
    return CATALOG.fieldNames().stream().filter(k -> !NOT_ABOUT_THE_WORKFLOW.contains(k)).sorted();
  }

  @Test
  @DisplayName("every catalog entry is either reproduced by a scenario or explicitly not about the workflow")
  void everyCatalogEntryIsCovered() {
    Set<String> covered = new HashSet<>(SCENARIOS.keySet());
    covered.addAll(NOT_ABOUT_THE_WORKFLOW);
    assertThat(covered).containsAll(CATALOG.fieldNames());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("catalogEntries")
  @DisplayName("finds the same set of (node_id, type, input_name) as ComfyUI reported")
  void sameErrorSetAsComfyUi(String entry) {
    JsonObject expected = CATALOG.getJsonObject(entry).getJsonObject("body");
    JsonObject result = validate(SCENARIOS.get(entry).apply(Fixtures.defaultWorkflow()));

    assertThat(triples(result.getJsonObject("node_errors"))).isEqualTo(triples(expected.getJsonObject("node_errors")));
    assertThat(result.getBoolean("valid")).isFalse();
    if (CATALOG.getJsonObject(entry).getInteger("status") == 400) {
      assertThat(topLevelType(result)).isEqualTo(v0364Type(expected.getJsonObject("error").getString("type")));
    } else {
      assertThat(result.containsKey("error")).as("ComfyUI queued the valid outputs, so no top-level error").isFalse();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("catalogEntries")
  @DisplayName("reports ComfyUI's messages, details, extra_info and dependent_outputs for each error")
  void sameWordingAsComfyUi(String entry) {
    JsonObject expected = CATALOG.getJsonObject(entry).getJsonObject("body");
    JsonObject result = validate(SCENARIOS.get(entry).apply(Fixtures.defaultWorkflow()));

    assertThat(detailed(result.getJsonObject("node_errors"))).isEqualTo(detailed(expected.getJsonObject("node_errors")));
    JsonObject expectedError = expected.getJsonObject("error");
    if (expectedError != null && !expectedError.getString("type").equals("missing_node_type")) {
      assertThat(result.getJsonObject("error").getString("message")).isEqualTo(expectedError.getString("message"));
      assertThat(result.getJsonObject("error").getString("details")).isEqualTo(expectedError.getString("details"));
    }
    if (expectedError != null && expectedError.getString("type").equals("missing_node_type")) {
      assertThat(result.getJsonObject("error").getJsonObject("extra_info").getString("node_id"))
          .isEqualTo(expectedError.getJsonObject("extra_info").getString("node_id"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("catalogEntries")
  @DisplayName("gives at least one one-line fix for every error")
  void suggestsAFixForEveryError(String entry) {
    JsonObject result = validate(SCENARIOS.get(entry).apply(Fixtures.defaultWorkflow()));
    int errors = result.getJsonObject("node_errors").isEmpty() ? 1
        : result.getJsonObject("node_errors").stream()
            .mapToInt(e -> ((JsonObject) e.getValue()).getJsonArray("errors").size()).sum();

    JsonArray suggestions = result.getJsonArray("suggestions");
    assertThat(suggestions.size()).isGreaterThanOrEqualTo(errors);
    suggestions.forEach(s -> assertThat(((JsonObject) s).getString("fix")).isNotBlank().doesNotContain("\n"));
  }

  @Test
  @DisplayName("the 400 of prompt_validation_error_400.json (missing seed, two values not in list) is reproduced")
  void reproducesTheValidationError400Fixture() {
    JsonObject expected = Fixtures.json("prompt_validation_error_400.json");
    JsonObject wf = Fixtures.defaultWorkflow();
    wf.getJsonObject("3").getJsonObject("inputs").remove("seed");
    set(wf, "3", "sampler_name", "euler_a");
    set(wf, "4", "ckpt_name", "sd15.safetensors");

    JsonObject result = validate(wf);

    assertThat(detailed(result.getJsonObject("node_errors"))).isEqualTo(detailed(expected.getJsonObject("node_errors")));
    assertThat(result.getJsonObject("error").getString("type")).isEqualTo("prompt_outputs_failed_validation");
  }

  // ---------------------------------------------------------------- helpers

  private static JsonObject validate(JsonObject workflow) {
    return new WorkflowValidator().validate(workflow, OBJECT_INFO);
  }

  /** The newer server's missing_node_type is v0.3.64's invalid_prompt; we answer the v0.3.64 vocabulary. */
  private static String v0364Type(String type) {
    return type.equals("missing_node_type") ? "invalid_prompt" : type;
  }

  private static String topLevelType(JsonObject result) {
    return result.getJsonObject("error") == null ? null : result.getJsonObject("error").getString("type");
  }

  private static Set<List<String>> triples(JsonObject nodeErrors) {
    Set<List<String>> set = new HashSet<>();
    nodeErrors.forEach(node -> ((JsonObject) node.getValue()).getJsonArray("errors").forEach(e -> {
      JsonObject error = (JsonObject) e;
      set.add(java.util.Arrays.asList(node.getKey(), error.getString("type"),
          error.getJsonObject("extra_info").getString("input_name")));
    }));
    return set;
  }

  /** Everything ComfyUI reports per error except the Python traceback, plus class and dependent outputs per node. */
  private static Set<JsonObject> detailed(JsonObject nodeErrors) {
    Set<JsonObject> set = new HashSet<>();
    nodeErrors.forEach(node -> {
      JsonObject entry = (JsonObject) node.getValue();
      entry.getJsonArray("errors").forEach(e -> {
        JsonObject error = ((JsonObject) e).copy();
        error.getJsonObject("extra_info").remove("traceback");
        set.add(error.put("node_id", node.getKey()).put("class_type", entry.getString("class_type"))
            .put("dependent_outputs", entry.getJsonArray("dependent_outputs")));
      });
    });
    return set;
  }

  static JsonObject node(String classType, JsonObject inputs) {
    return new JsonObject().put("inputs", inputs).put("class_type", classType);
  }

  static JsonArray link(String nodeId, int slot) {
    return new JsonArray().add(nodeId).add(slot);
  }

  static JsonObject set(JsonObject workflow, String nodeId, String input, Object value) {
    workflow.getJsonObject(nodeId).getJsonObject("inputs").put(input, value);
    return workflow;
  }
}
