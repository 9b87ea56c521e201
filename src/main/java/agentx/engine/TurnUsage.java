package agentx.engine;

import io.vertx.core.json.JsonObject;

/** Tokens and cost of a turn, summed over its Claude calls. */
final class TurnUsage {
  private final Pricing pricing;
  private int llmCalls;
  private long inputTokens;
  private long outputTokens;
  private long cacheCreationTokens;
  private long cacheReadTokens;
  private double costUsd;

  TurnUsage(Pricing pricing) {
    this.pricing = pricing;
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
    costUsd += pricing.cost(model, in, out, cacheWrite, cacheRead);
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
