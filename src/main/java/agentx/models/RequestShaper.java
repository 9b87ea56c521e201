package agentx.models;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns {@link RequestSettings} into the model-dependent fields of a Messages request
 * ({@code max_tokens}, {@code thinking}, {@code output_config}, {@code temperature}) so that a model
 * never receives a field it rejects. Pure.
 *
 * <p>Every setting the model would reject is listed as a {@link Violation} (what config validation
 * answers 400 with) and left out of the fields (so a request built anyway still goes through).
 * A setting that is dropped on purpose without being an error is listed in {@code adjustments}:
 * {@code temperature} while thinking is on (the API takes no sampling parameters with thinking; the
 * engine has always dropped it), a {@code max_tokens} clamp.
 *
 * <p>For a model the catalogue does not know, the settings pass through as they always have (a
 * budget becomes {@code thinking.type "enabled"}, else a temperature is sent) and the API decides.
 */
public final class RequestShaper {
  private RequestShaper() {}

  /** @param fields to put into the request body; violations in setting order, first is the one to report */
  public record Shaped(JsonObject fields, List<Violation> violations, List<String> adjustments) {
    public Shaped {
      violations = List.copyOf(violations);
      adjustments = List.copyOf(adjustments);
    }
  }

  /**
   * A setting the model would reject.
   *
   * @param field the session config key ({@code temperature}, {@code effort}, ...)
   * @param message a sentence naming the field and the model, e.g. "config.temperature is not
   *     accepted by claude-sonnet-5-5: ..."
   */
  public record Violation(String field, String message) {}

  /**
   * @param modelId the id the request names (used in messages; may be a dated snapshot)
   * @param model its catalogue entry, or null when the catalogue does not know it
   */
  public static Shaped shape(String modelId, Model model, RequestSettings s) {
    List<Violation> violations = new ArrayList<>();
    List<String> adjustments = new ArrayList<>();
    JsonObject fields = new JsonObject();
    String name = modelId != null ? modelId : model != null ? model.id() : "the model";

    // Value ranges the API defines for every model.
    boolean effortKnown = s.effort() == null || RequestSettings.EFFORT_LEVELS.contains(s.effort());
    if (!effortKnown) {
      violations.add(new Violation("effort", "config.effort must be one of " + String.join(", ", RequestSettings.EFFORT_LEVELS) + "."));
    }
    boolean thinkingKnown = s.thinking() == null || RequestSettings.THINKING_CHOICES.contains(s.thinking());
    if (!thinkingKnown) {
      violations.add(new Violation("thinking", "config.thinking must be one of " + String.join(", ", RequestSettings.THINKING_CHOICES) + "."));
    }
    boolean displayKnown = s.thinkingDisplay() == null || RequestSettings.THINKING_DISPLAYS.contains(s.thinkingDisplay());
    if (!displayKnown) {
      violations.add(new Violation("thinking_display",
          "config.thinking_display must be one of " + String.join(", ", RequestSettings.THINKING_DISPLAYS) + "."));
    }

    int maxTokens = s.maxTokens();
    if (model != null && maxTokens > model.maxOutput()) {
      violations.add(new Violation("max_tokens", "config.max_tokens " + maxTokens + " is above the " + model.maxOutput()
          + "-token maximum output of " + name + "."));
      adjustments.add("max_tokens " + maxTokens + " clamped to " + model.maxOutput());
      maxTokens = model.maxOutput();
    }
    fields.put("max_tokens", maxTokens);

    Integer budget = s.thinkingBudgetTokens();
    boolean budgetOk = budget != null;
    if (budget != null && budget < RequestSettings.MIN_THINKING_BUDGET) {
      violations.add(new Violation("thinking_budget_tokens",
          "config.thinking_budget_tokens must be at least " + RequestSettings.MIN_THINKING_BUDGET + "."));
      budgetOk = false;
    } else if (budget != null && budget >= maxTokens) {
      violations.add(new Violation("thinking_budget_tokens",
          "config.thinking_budget_tokens must be less than max_tokens (" + maxTokens + ")."));
      budgetOk = false;
    }

    if (budget != null && thinkingKnown && s.thinking() != null) {
      violations.add(new Violation("thinking", "config.thinking \"" + s.thinking() + "\" cannot be combined with "
          + "config.thinking_budget_tokens: a budget already decides the thinking; set one of them."));
    }

    if (model == null) {
      return passThrough(fields, s, budgetOk, effortKnown, thinkingKnown, displayKnown, violations, adjustments);
    }

    Model.Thinking t = model.thinking();
    String effort = null;
    if (s.effort() != null && effortKnown) {
      if (model.effortLevels().isEmpty()) {
        violations.add(new Violation("effort", "config.effort is not accepted by " + name + ": this model takes no effort parameter."));
      } else if (!model.acceptsEffort(s.effort())) {
        violations.add(new Violation("effort", "config.effort \"" + s.effort() + "\" is not accepted by " + name + ": it takes "
            + String.join(", ", model.effortLevels()) + "."));
      } else {
        effort = s.effort();
        fields.put("output_config", new JsonObject().put("effort", effort));
      }
    }
    String effectiveEffort = effort != null ? effort : model.defaultEffort();

    // Thinking: which type to send, if any, and whether the model will think.
    JsonObject thinking = null;
    boolean thinks = t.onByDefault();
    String choice = thinkingKnown && budget == null ? s.thinking() : null;
    if (budget != null) {
      if (!t.accepts("enabled")) {
        violations.add(new Violation("thinking_budget_tokens", "config.thinking_budget_tokens is not accepted by " + name
            + ": this model rejects thinking budgets (thinking.type \"enabled\")"
            + (model.effortLevels().isEmpty() ? "." : "; use config.effort to steer how much it thinks.")));
      } else if (budgetOk) {
        thinking = new JsonObject().put("type", "enabled").put("budget_tokens", budget);
        thinks = true;
      }
    }
    if ("off".equals(choice)) {
      if (t.offMode() == null) {
        violations.add(new Violation("thinking", "config.thinking \"off\" is not accepted by " + name
            + (t.modes().isEmpty() ? ": this model does not think." : ": thinking is always on for this model; lower config.effort instead.")));
      } else if (t.offMaxEffort() != null && effectiveEffort != null && RequestSettings.above(effectiveEffort, t.offMaxEffort())) {
        List<String> allowed = RequestSettings.EFFORT_LEVELS.subList(0, RequestSettings.EFFORT_LEVELS.indexOf(t.offMaxEffort()) + 1);
        violations.add(new Violation("thinking", "config.thinking \"off\" is not accepted by " + name + " at effort \""
            + effectiveEffort + "\": thinking can be turned off only at effort " + String.join(", ", allowed) + "."));
      } else if (thinking == null) {
        if (t.onByDefault()) {
          thinking = new JsonObject().put("type", t.offMode());
        }
        thinks = false;
      }
    } else if ("adaptive".equals(choice)) {
      if (!t.accepts("adaptive")) {
        violations.add(new Violation("thinking", "config.thinking \"adaptive\" is not accepted by " + name
            + (t.accepts("enabled") ? ": this model has no adaptive thinking; set config.thinking_budget_tokens instead."
                : ": this model does not think.")));
      } else if (thinking == null) {
        thinks = true;
        if (!t.onByDefault()) {
          thinking = new JsonObject().put("type", "adaptive");
        }
      }
    }

    // Display: asked for explicitly, or implied by stream_thinking where the text is omitted by default.
    String display = null;
    if (s.thinkingDisplay() != null && displayKnown) {
      if (t.displays().isEmpty()) {
        violations.add(new Violation("thinking_display", "config.thinking_display is not accepted by " + name
            + ": this model has no thinking display option."));
      } else if (!t.displays().contains(s.thinkingDisplay())) {
        violations.add(new Violation("thinking_display", "config.thinking_display \"" + s.thinkingDisplay() + "\" is not accepted by "
            + name + ": it takes " + String.join(", ", t.displays()) + "."));
      } else {
        display = s.thinkingDisplay();
      }
    } else if (s.streamThinking() && "omitted".equals(t.displayDefault()) && t.displays().contains("summarized")) {
      display = "summarized";
    }
    if (display != null && thinks) {
      if (thinking == null) {
        thinking = new JsonObject().put("type", "adaptive");
      }
      thinking.put("display", display);
    } else if (display != null && s.thinkingDisplay() != null) {
      adjustments.add("thinking_display left out: " + name + " does not think with these settings");
    }
    if (thinking != null) {
      fields.put("thinking", thinking);
    }

    if (s.temperature() != null) {
      if (!model.samplingAllowed()) {
        if (s.temperature() != 1.0) {
          violations.add(new Violation("temperature", "config.temperature is not accepted by " + name
              + ": this model answers 400 to non-default sampling parameters (temperature, top_p, top_k); leave it unset."));
        } else {
          adjustments.add("temperature 1.0 left out: it is the default and " + name + " takes no sampling parameters");
        }
      } else if (thinks) {
        adjustments.add("temperature left out: thinking is on");
      } else {
        fields.put("temperature", s.temperature());
      }
    }
    return new Shaped(fields, violations, adjustments);
  }

  /** An unknown model: the settings as the engine always sent them, plus effort and the thinking choice. */
  private static Shaped passThrough(JsonObject fields, RequestSettings s, boolean budgetOk, boolean effortKnown,
      boolean thinkingKnown, boolean displayKnown, List<Violation> violations, List<String> adjustments) {
    JsonObject thinking = null;
    if (budgetOk) {
      thinking = new JsonObject().put("type", "enabled").put("budget_tokens", s.thinkingBudgetTokens());
    } else if (s.thinkingBudgetTokens() == null && thinkingKnown && "adaptive".equals(s.thinking())) {
      thinking = new JsonObject().put("type", "adaptive");
    }
    if (thinking != null && displayKnown && s.thinkingDisplay() != null) {
      thinking.put("display", s.thinkingDisplay());
    }
    if (thinking != null) {
      fields.put("thinking", thinking);
    }
    if (effortKnown && s.effort() != null) {
      fields.put("output_config", new JsonObject().put("effort", s.effort()));
    }
    if (s.temperature() != null) {
      if (thinking != null) {
        adjustments.add("temperature left out: thinking is on");
      } else {
        fields.put("temperature", s.temperature());
      }
    }
    return new Shaped(fields, violations, adjustments);
  }
}
