package agentx.models;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;

/**
 * Checks a session {@code config} against the model it will run on: the first setting the model would
 * reject, as a sentence naming the field and the model ("config.temperature is not accepted by
 * claude-sonnet-5-5: ..."), for a 400 VALIDATION_FAILED. Types and unknown keys stay SessionConfig's
 * job; this adds what depends on the model and the API's value ranges. Pure.
 */
public final class ConfigCheck {
  private ConfigCheck() {}

  /**
   * @param config the session config (already type-checked)
   * @param defaultModel the engine's model ({@code AGENTX_MODEL}), used when the config names none
   * @param defaultMaxTokens the engine's {@code AGENTX_MAX_TOKENS}, used when the config sets none
   * @return the first violation's sentence, empty when the model would accept the config (or is unknown
   *     to the catalogue and the values are in range)
   */
  public static Optional<String> firstViolation(ModelCatalog catalog, JsonObject config, String defaultModel, int defaultMaxTokens) {
    List<RequestShaper.Violation> v = violations(catalog, config, defaultModel, defaultMaxTokens);
    return v.isEmpty() ? Optional.empty() : Optional.of(v.get(0).message());
  }

  public static List<RequestShaper.Violation> violations(ModelCatalog catalog, JsonObject config, String defaultModel,
      int defaultMaxTokens) {
    String modelId = config.getString("model", defaultModel);
    Model model = catalog.lookup(modelId).orElse(null);
    return RequestShaper.shape(modelId, model, RequestSettings.fromConfig(config, defaultMaxTokens)).violations();
  }
}
