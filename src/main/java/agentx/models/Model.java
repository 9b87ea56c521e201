package agentx.models;

import java.util.List;

/**
 * One catalogue entry: what a model accepts and what it costs. Built from {@code models.json} (see
 * {@link ModelCatalog}); {@code inferred} names the fields the documentation read did not state.
 *
 * @param id canonical model id (the one the API answers with)
 * @param aliases other exact ids for the same model (undated aliases of dated snapshots)
 * @param prefixes id prefixes that also mean this model (dated snapshots not yet in the catalogue)
 * @param status active, legacy, deprecated, retired or limited
 * @param effortLevels accepted {@code output_config.effort} values; empty when the model takes no effort
 * @param defaultEffort the model's effort when none is sent, or null
 * @param samplingAllowed whether non-default temperature/top_p/top_k are accepted
 * @param prefillAllowed whether a final assistant message (prefill) is accepted
 * @param forcedToolChoiceAllowed whether {@code tool_choice} any / named tool is accepted
 * @param contextEditing whether the API's server-side context editing ({@code context_management} with the
 *     {@code context-management-2025-06-27} beta) is documented for the model; false when the docs read do not say so
 * @param prices null when the catalogue has no prices for the model
 * @param pricesChecked the date the prices were checked against the documentation
 */
public record Model(
    String id,
    List<String> aliases,
    List<String> prefixes,
    String family,
    String generation,
    String status,
    long contextWindow,
    int maxOutput,
    Thinking thinking,
    List<String> effortLevels,
    String defaultEffort,
    boolean samplingAllowed,
    boolean prefillAllowed,
    boolean forcedToolChoiceAllowed,
    boolean contextEditing,
    Prices prices,
    String pricesChecked,
    List<String> sources,
    List<String> inferred,
    String notes) {

  public Model {
    aliases = List.copyOf(aliases);
    prefixes = List.copyOf(prefixes);
    effortLevels = List.copyOf(effortLevels);
    sources = List.copyOf(sources);
    inferred = List.copyOf(inferred);
  }

  public boolean acceptsEffort(String effort) {
    return effortLevels.contains(effort);
  }

  /**
   * How a model thinks.
   *
   * @param modes accepted {@code thinking.type} values: adaptive, enabled (budget), disabled, between_tools
   * @param defaultMode what the model does without a thinking field: adaptive, disabled, or none (no thinking)
   * @param offMode the type that turns up-front thinking off (disabled or between_tools), null when it cannot
   * @param offMaxEffort the highest effort the off mode combines with, null when any
   * @param displayDefault the model's {@code thinking.display} when none is sent, null when it has no display
   * @param displays accepted {@code thinking.display} values
   */
  public record Thinking(List<String> modes, String defaultMode, String offMode, String offMaxEffort, String displayDefault,
      List<String> displays) {
    public Thinking {
      modes = List.copyOf(modes);
      displays = List.copyOf(displays);
    }

    public boolean accepts(String mode) {
      return modes.contains(mode);
    }

    public boolean onByDefault() {
      return "adaptive".equals(defaultMode);
    }

    public boolean alwaysOn() {
      return onByDefault() && offMode == null;
    }
  }
}
