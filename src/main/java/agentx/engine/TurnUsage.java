package agentx.engine;

import agentx.events.Metrics;
import io.vertx.core.json.JsonObject;

/** Tokens and cost of a turn, summed over its Claude calls. */
final class TurnUsage {
  private final Pricing pricing;
  private final Metrics metrics;
  private int llmCalls;
  private long inputTokens;
  private long outputTokens;
  private long cacheCreationTokens;
  private long cacheReadTokens;
  private double costUsd;

  TurnUsage(Pricing pricing, Metrics metrics) {
    this.pricing = pricing;
    this.metrics = metrics;
  }

  void countCall() {
    llmCalls++;
  }

  /** Adds one message's {@code usage} object; answers its {@code {input, output}} for the stored message. */
  long[] add(JsonObject usage, String model) {
    long in = usage.getLong("input_tokens", 0L);
    long out = usage.getLong("output_tokens", 0L);
    long cacheWrite = usage.getLong("cache_creation_input_tokens", 0L);
    long cacheRead = usage.getLong("cache_read_input_tokens", 0L);
    inputTokens += in;
    outputTokens += out;
    cacheCreationTokens += cacheWrite;
    cacheReadTokens += cacheRead;
    double cost = pricing.cost(model, in, out, cacheWrite, cacheRead);
    costUsd += cost;
    metrics.llmUsage(in, out, cacheRead, cacheWrite, cost);
    return new long[] {in, out};
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

  double costUsd() {
    return costUsd;
  }
}
