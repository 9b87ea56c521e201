package agentx.engine;

import agentx.events.Metrics;
import io.vertx.core.json.JsonObject;

/**
 * Tokens and cost of a turn, summed over its Claude calls. The cost is unknown (null) as soon as one
 * call's is: a model without prices is never counted as free.
 */
final class TurnUsage {
  private final Pricing pricing;
  private final Metrics metrics;
  private int llmCalls;
  private long inputTokens;
  private long outputTokens;
  private long cacheCreationTokens;
  private long cacheReadTokens;
  private double knownCostUsd;
  private boolean costUnknown;

  TurnUsage(Pricing pricing, Metrics metrics) {
    this.pricing = pricing;
    this.metrics = metrics;
  }

  /** A resumed turn starts from what the store recorded of it. */
  void seed(agentx.protocol.TurnUsageSoFar so) {
    llmCalls = (int) so.llmCalls();
    inputTokens = so.inputTokens();
    outputTokens = so.outputTokens();
    cacheCreationTokens = so.cacheCreationInputTokens();
    cacheReadTokens = so.cacheReadInputTokens();
    costUnknown = so.costUsd() == null;
    knownCostUsd = so.costUsd() == null ? 0.0 : so.costUsd();
  }

  /** Whether calls on {@code model} can be priced: the catalogue or AGENTX_PRICES gives its input and output prices. */
  boolean priced(String model) {
    return pricing.prices(model).map(p -> p.base().input() != null && p.base().output() != null).orElse(false);
  }

  void countCall() {
    llmCalls++;
  }

  /** Adds one message's {@code usage} object; answers its {@code {input, output}} for the stored message. */
  long[] add(JsonObject usage, String model) {
    long in = usage.getLong("input_tokens", 0L);
    long out = usage.getLong("output_tokens", 0L);
    inputTokens += in;
    outputTokens += out;
    long cacheWrite = usage.getLong("cache_creation_input_tokens", 0L);
    long cacheRead = usage.getLong("cache_read_input_tokens", 0L);
    cacheCreationTokens += cacheWrite;
    cacheReadTokens += cacheRead;
    Double cost = pricing.costUsd(model, usage);
    if (cost == null) {
      costUnknown = true;
    } else {
      knownCostUsd += cost;
    }
    // agentx_cost_usd_total counts what is known; an unpriced model adds tokens but no dollars
    metrics.llmUsage(in, out, cacheRead, cacheWrite, cost == null ? 0.0 : cost);
    return new long[] {in, out};
  }

  /**
   * The turn's figures if the running call ({@code usage} of its {@code message_start}) ended now, for the store:
   * nothing is added here, and no meter moves.
   */
  agentx.protocol.TurnUsageSoFar withRunningCall(JsonObject usage, String model, long toolCalls) {
    Double cost = costUnknown ? null : pricing.costUsd(model, usage);
    return new agentx.protocol.TurnUsageSoFar(inputTokens + usage.getLong("input_tokens", 0L),
        outputTokens + usage.getLong("output_tokens", 0L),
        cacheCreationTokens + usage.getLong("cache_creation_input_tokens", 0L),
        cacheReadTokens + usage.getLong("cache_read_input_tokens", 0L),
        cost == null ? null : knownCostUsd + cost, llmCalls, toolCalls);
  }

  int llmCalls() {
    return llmCalls;
  }

  long inputTokens() {
    return inputTokens;
  }

  long outputTokens() {
    return outputTokens;
  }

  long cacheCreationTokens() {
    return cacheCreationTokens;
  }

  long cacheReadTokens() {
    return cacheReadTokens;
  }

  /** USD, or null when a call's model (or a token category it billed) has no price. */
  Double costUsd() {
    return costUnknown ? null : knownCostUsd;
  }
}
