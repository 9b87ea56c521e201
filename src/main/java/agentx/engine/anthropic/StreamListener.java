package agentx.engine.anthropic;

/** What a caller of {@link AnthropicClient#stream} hears while the answer streams. */
public interface StreamListener extends MessageAccumulator.Listener {

  /** A failed attempt will be retried after {@code delayMs}; {@code attempt} counts from 1. */
  default void onRetry(int attempt, int maxRetries, long delayMs, String reason) {}

  /** The first byte of a successful (2xx) answer arrived. */
  default void onFirstByte() {}
}
