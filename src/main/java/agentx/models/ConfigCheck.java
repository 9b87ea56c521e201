package agentx.models;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
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

  /** The model a session config runs on: its own {@code model}, else the engine's default. */
  public static String modelOf(JsonObject config, String defaultModel) {
    return config.getString("model", defaultModel);
  }

  /**
   * What the server's own defaults ({@code AGENTX_MODEL}, {@code AGENTX_MAX_TOKENS}) mean against the
   * catalogue: an {@code error} when every turn would be refused (the server must not start), and
   * {@code warnings} worth a log line (an unknown model keeps working through a gateway).
   *
   * @param error null when the defaults fit
   */
  public record ServerCheck(String error, List<String> warnings) {
    public ServerCheck {
      warnings = List.copyOf(warnings);
    }
  }

  public static ServerCheck serverDefaults(ModelCatalog catalog, String defaultModel, int defaultMaxTokens) {
    List<String> warnings = new ArrayList<>();
    if (defaultModel == null || defaultModel.isBlank()) {
      return new ServerCheck("AGENTX_MODEL is empty: name the model every session runs on unless its config.model says otherwise "
          + "(e.g. claude-sonnet-5-5).", warnings);
    }
    if (defaultMaxTokens < 1) {
      return new ServerCheck("AGENTX_MAX_TOKENS must be at least 1, not " + defaultMaxTokens + ".", warnings);
    }
    Model model = catalog.lookup(defaultModel).orElse(null);
    if (model == null) {
      warnings.add("AGENTX_MODEL " + defaultModel + " is not in the model catalogue: requests carry the settings as given, its cost is "
          + "reported as null and AGENTX_CONTEXT_WINDOW is its context window. Add it with AGENTX_MODELS_FILE if it is a Claude model.");
      return new ServerCheck(null, warnings);
    }
    if (defaultMaxTokens > model.maxOutput()) {
      return new ServerCheck("AGENTX_MAX_TOKENS " + defaultMaxTokens + " is above the " + model.maxOutput()
          + "-token maximum output of " + defaultModel + " (AGENTX_MODEL): every request would be refused. Lower AGENTX_MAX_TOKENS "
          + "or choose another AGENTX_MODEL.", warnings);
    }
    if ("retired".equals(model.status()) || "deprecated".equals(model.status())) {
      warnings.add("AGENTX_MODEL " + defaultModel + " is " + model.status() + " (model catalogue): the Claude API may refuse it; "
          + "the current default is claude-sonnet-5-5.");
    }
    return new ServerCheck(null, warnings);
  }
}
