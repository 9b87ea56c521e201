package agentx.tools.comfyui;

import agentx.protocol.WorkflowFormat;
import static agentx.tools.comfyui.WorkflowValidatorCatalogTest.link;
import static agentx.tools.comfyui.WorkflowValidatorCatalogTest.node;
import static agentx.tools.comfyui.WorkflowValidatorCatalogTest.set;
import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.Fixtures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("WorkflowValidator")
class WorkflowValidatorTest {
  private static final JsonObject OBJECT_INFO = Fixtures.objectInfo();
  private static final BigInteger MAX_SEED = new BigInteger("18446744073709551615");

  private final WorkflowValidator validator = new WorkflowValidator();

  @Test
  @DisplayName("the default workflow is valid, with output node 9 good")
  void defaultWorkflowIsValid() {
    JsonObject result = validator.validate(Fixtures.defaultWorkflow(), OBJECT_INFO);

    assertThat(result.getBoolean("valid")).isTrue();
    assertThat(result.containsKey("error")).isFalse();
    assertThat(result.getJsonObject("node_errors").isEmpty()).isTrue();
    assertThat(result.getJsonArray("good_outputs").getList()).containsExactly("9");
  }

  @Test
  @DisplayName("recognises the UI save format and refuses it with a sentence about Save (API Format)")
  void detectsUiFormat() {
    JsonObject ui = Fixtures.json("default_workflow_ui.json");

    assertThat(WorkflowFormat.isUiFormat(ui)).isTrue();
    assertThat(WorkflowFormat.isUiFormat(Fixtures.defaultWorkflow())).isFalse();
    JsonObject result = validator.validate(ui, OBJECT_INFO);
    assertThat(result.getBoolean("valid")).isFalse();
    assertThat(result.getJsonArray("suggestions").getJsonObject(0).getString("fix"))
        .contains("Save (API Format)").contains("Export (API)");
  }

  @Test
  @DisplayName("a seed of 2^64-1 is within KSampler's range and 2^64 is not, compared without losing precision")
  void bigSeedRangeIsExact() {
    JsonObject atMax = set(Fixtures.defaultWorkflow(), "3", "seed", MAX_SEED);
    JsonObject beyond = set(Fixtures.defaultWorkflow(), "3", "seed", MAX_SEED.add(BigInteger.ONE));
    JsonObject fromText = new JsonObject(Fixtures.defaultWorkflow().encode()
        .replace("156680208700286", "18446744073709551615"));

    assertThat(validator.validate(atMax, OBJECT_INFO).getBoolean("valid")).isTrue();
    assertThat(validator.validate(fromText, OBJECT_INFO).getBoolean("valid")).isTrue();
    JsonObject error = firstError(validator.validate(beyond, OBJECT_INFO), "3");
    assertThat(error.getString("type")).isEqualTo("value_bigger_than_max");
    assertThat(error.getString("message"))
        .isEqualTo("Value 18446744073709551616 bigger than max of 18446744073709551615");
  }

  @Test
  @DisplayName("INT inputs coerce like Python's int(): '20' and 20.7 pass, '20.0' fails as invalid_input_type")
  void intCoercionFollowsPython() {
    assertThat(validator.validate(set(Fixtures.defaultWorkflow(), "3", "steps", "20"), OBJECT_INFO)
        .getBoolean("valid")).isTrue();
    assertThat(validator.validate(set(Fixtures.defaultWorkflow(), "3", "steps", 20.7), OBJECT_INFO)
        .getBoolean("valid")).isTrue();

    JsonObject error = firstError(validator.validate(set(Fixtures.defaultWorkflow(), "3", "steps", "20.0"),
        OBJECT_INFO), "3");
    assertThat(error.getString("type")).isEqualTo("invalid_input_type");
    assertThat(error.getString("details")).isEqualTo("steps, 20.0, invalid literal for int() with base 10: '20.0'");
  }

  @Test
  @DisplayName("a FLOAT out of range is reported with Python's float formatting")
  void floatMessagesUsePythonFormatting() {
    JsonObject error = firstError(validator.validate(set(Fixtures.defaultWorkflow(), "3", "denoise", 2),
        OBJECT_INFO), "3");

    assertThat(error.getString("message")).isEqualTo("Value 2.0 bigger than max of 1.0");
  }

  @Test
  @DisplayName("value_not_in_list suggests the closest valid values (A1111-style and case-insensitive)")
  void suggestsClosestValues() {
    JsonObject wf = set(Fixtures.defaultWorkflow(), "3", "sampler_name", "Euler_Ancestral");
    set(wf, "3", "scheduler", "Karras");

    JsonObject result = validator.validate(wf, OBJECT_INFO);

    assertThat(fixFor(result, "sampler_name")).contains("'euler_ancestral'");
    assertThat(fixFor(result, "scheduler")).contains("closest: 'karras'");
  }

  @Test
  @DisplayName("an output index past the linked node's outputs is an IndexError, with a fix on the bad link")
  void outputIndexOutOfRange() {
    JsonObject result = validator.validate(set(Fixtures.defaultWorkflow(), "8", "vae", link("4", 5)), OBJECT_INFO);

    JsonObject error = firstError(result, "8");
    assertThat(error.getString("type")).isEqualTo("exception_during_inner_validation");
    assertThat(error.getString("details")).isEqualTo("tuple index out of range");
    assertThat(fixFor(result, "vae")).contains("node 8").contains("only 3 outputs");
  }

  @Test
  @DisplayName("a link with an int node id fails as ComfyUI does (KeyError 4) and the fix asks for a string id")
  void intNodeIdInLink() {
    JsonArray intLink = new JsonArray().add(4).add(0);
    JsonObject result = validator.validate(set(Fixtures.defaultWorkflow(), "3", "model", intLink), OBJECT_INFO);

    JsonObject error = firstError(result, "3");
    assertThat(error.getString("type")).isEqualTo("exception_during_inner_validation");
    assertThat(error.getString("details")).isEqualTo("4");
    assertThat(fixFor(result, "model")).contains("[\"4\", 0]");
  }

  @Test
  @DisplayName("every node of a cycle is reported as dependency_cycle and validation terminates")
  void cycleOfThree() {
    JsonObject wf = Fixtures.defaultWorkflow();
    wf.put("10", node("LatentUpscale", new JsonObject().put("samples", link("11", 0)).put("upscale_method", "area")
        .put("width", 512).put("height", 512).put("crop", "disabled")));
    wf.put("11", node("LatentUpscale", new JsonObject().put("samples", link("3", 0)).put("upscale_method", "area")
        .put("width", 512).put("height", 512).put("crop", "disabled")));
    set(wf, "3", "latent_image", link("10", 0));

    JsonObject result = validator.validate(wf, OBJECT_INFO);

    assertThat(result.getJsonObject("node_errors").fieldNames()).containsExactlyInAnyOrder("3", "10", "11");
    assertThat(firstError(result, "10").getString("details"))
        .isEqualTo("3 (KSampler) -> 10 (LatentUpscale) -> 11 (LatentUpscale) -> 3 (KSampler)");
  }

  @Test
  @DisplayName("a missing required link gets a fix naming a node in the workflow that has that output type")
  void missingLinkSuggestsProducer() {
    JsonObject wf = Fixtures.defaultWorkflow();
    wf.getJsonObject("6").getJsonObject("inputs").remove("clip");

    JsonObject result = validator.validate(wf, OBJECT_INFO);

    assertThat(firstError(result, "6").getString("type")).isEqualTo("required_input_missing");
    assertThat(fixFor(result, "clip")).contains("node 4 (CheckpointLoaderSimple) output 1");
  }

  @Test
  @DisplayName("all unknown classes are named in suggestions, though ComfyUI stops at the first")
  void listsEveryUnknownClass() {
    JsonObject wf = Fixtures.defaultWorkflow();
    wf.put("20", node("KSamplerr", new JsonObject()));
    wf.put("21", node("IPAdapterApply", new JsonObject()));

    JsonObject result = validator.validate(wf, OBJECT_INFO);

    assertThat(result.getJsonObject("error").getString("message"))
        .isEqualTo("Cannot execute because node KSamplerr does not exist.");
    List<String> fixes = new ArrayList<>();
    result.getJsonArray("suggestions").forEach(s -> fixes.add(((JsonObject) s).getString("fix")));
    assertThat(fixes).hasSize(2);
    assertThat(fixes.get(0)).contains("'KSampler'");
    assertThat(fixes.get(1)).contains("IPAdapterApply");
  }

  @Test
  @DisplayName("does not change the workflow it checks")
  void isPure() {
    JsonObject wf = set(Fixtures.defaultWorkflow(), "3", "steps", "20");
    String before = wf.encode();

    validator.validate(wf, OBJECT_INFO);

    assertThat(wf.encode()).isEqualTo(before);
  }

  private static JsonObject firstError(JsonObject result, String nodeId) {
    JsonObject node = result.getJsonObject("node_errors").getJsonObject(nodeId);
    assertThat(node).as("node_errors of " + nodeId + " in " + result.encode()).isNotNull();
    return node.getJsonArray("errors").getJsonObject(0);
  }

  private static String fixFor(JsonObject result, String input) {
    for (Object s : result.getJsonArray("suggestions")) {
      if (input.equals(((JsonObject) s).getString("input_name"))) {
        return ((JsonObject) s).getString("fix");
      }
    }
    throw new AssertionError("no suggestion for input " + input + " in " + result.getJsonArray("suggestions"));
  }

  @Test
  @DisplayName("a chain of thousands of nodes feeding one another is refused with a sentence, not a StackOverflowError")
  void chainTooLong() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new WorkflowValidator().validate(latentChain(20_000), agentx.testing.Fixtures.objectInfo()))
        .isInstanceOf(ToolRefusal.class).hasMessageContaining("chain");
    // the limit is a rule, not where the stack ends (which moves with the JIT and the thread)
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new WorkflowValidator()
            .validate(latentChain(WorkflowValidator.MAX_CHAIN_DEPTH), agentx.testing.Fixtures.objectInfo()))
        .isInstanceOf(ToolRefusal.class).hasMessageContaining("more than " + WorkflowValidator.MAX_CHAIN_DEPTH);
    JsonObject result = new WorkflowValidator().validate(latentChain(WorkflowValidator.MAX_CHAIN_DEPTH - 3), agentx.testing.Fixtures.objectInfo());
    org.assertj.core.api.Assertions.assertThat(result.getBoolean("valid")).as(result.encode()).isTrue();
  }

  /**
   * EmptyLatentImage → {@code n} LatentUpscale nodes, each fed by the one before → VAEDecode (its VAE from a checkpoint
   * loader) → SaveImage: a chain n + 3 nodes deep.
   */
  private static JsonObject latentChain(int n) {
    JsonObject wf = new JsonObject().put("0", new JsonObject().put("class_type", "EmptyLatentImage")
        .put("inputs", new JsonObject().put("width", 512).put("height", 512).put("batch_size", 1)));
    for (int i = 1; i <= n; i++) {
      wf.put(String.valueOf(i), new JsonObject().put("class_type", "LatentUpscale").put("inputs", new JsonObject()
          .put("samples", new io.vertx.core.json.JsonArray().add(String.valueOf(i - 1)).add(0)).put("upscale_method", "nearest-exact")
          .put("width", 512).put("height", 512).put("crop", "disabled")));
    }
    wf.put("ckpt", new JsonObject().put("class_type", "CheckpointLoaderSimple").put("inputs", new JsonObject()
        .put("ckpt_name", "v1-5-pruned-emaonly-fp16.safetensors")));
    wf.put("decode", new JsonObject().put("class_type", "VAEDecode").put("inputs", new JsonObject()
        .put("samples", new io.vertx.core.json.JsonArray().add(String.valueOf(n)).add(0))
        .put("vae", new io.vertx.core.json.JsonArray().add("ckpt").add(2))));
    wf.put("out", new JsonObject().put("class_type", "SaveImage").put("inputs", new JsonObject()
        .put("images", new io.vertx.core.json.JsonArray().add("decode").add(0)).put("filename_prefix", "chain")));
    return wf;
  }
}
