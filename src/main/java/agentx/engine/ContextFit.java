package agentx.engine;

import agentx.protocol.ToolSpec;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * How much of the conversation a Claude call carries. Far from the window the local estimate decides
 * (no round trip). Near it (the estimate above {@link #COUNT_ABOVE} of the input budget) the API counts
 * the request ({@link TokenCounter}); a request over the budget is fitted again against the real count,
 * with the tokens-per-character of that count, and counted again, at most {@link #MAX_COUNTS} times.
 * When counting fails the estimate's fit is used. {@link Conversation#fit} does the cutting in both cases,
 * so a history larger than the window still answers.
 */
final class ContextFit {
  /** Share of the input budget the estimate may reach before the API is asked to count. */
  static final double COUNT_ABOVE = 0.5;
  /** The count is itself an estimate (the docs say so): the input budget leaves this share of the window spare. */
  static final double COUNT_SAFETY = 0.95;
  static final int MAX_COUNTS = 3;
  /** A refit aims this much under the budget, so the next count lands under it rather than on it. */
  private static final double REFIT_MARGIN = 0.97;

  private final TokenCounter counter;

  /** @param counter null when there is no API to count with */
  ContextFit(TokenCounter counter) {
    this.counter = counter;
  }

  /** Input tokens (by the API's count) a request may carry: the window less the answer's room and the safety share. */
  static long inputBudget(TurnSettings settings) {
    return Math.max(1_000, (long) (settings.contextWindowTokens() * COUNT_SAFETY) - settings.maxTokens());
  }

  /** The request body of the next call. Never fails: without a count it is the estimate's fit. */
  Future<JsonObject> request(TurnSettings settings, List<JsonObject> conversation, List<ToolSpec> tools) {
    JsonObject whole = ClaudeRequest.body(settings, conversation, tools);
    long target = inputBudget(settings);
    long estimate = (long) (Conversation.estimateTokens(ClaudeRequest.countBody(whole)) * ClaudeRequest.TOKENIZER_MARGIN);
    if (counter == null || !counter.available() || estimate < target * COUNT_ABOVE) {
      return Future.succeededFuture(ClaudeRequest.build(settings, conversation, tools));
    }
    return fitCounted(settings, conversation, tools, whole, target, 1)
        .recover(countFailed -> Future.succeededFuture(ClaudeRequest.build(settings, conversation, tools)));
  }

  private Future<JsonObject> fitCounted(TurnSettings settings, List<JsonObject> conversation, List<ToolSpec> tools, JsonObject body,
      long target, int counts) {
    return counter.count(ClaudeRequest.countBody(body)).compose(tokens -> {
      if (tokens <= target) {
        return Future.succeededFuture(body);
      }
      long estimated = Math.max(1, Conversation.estimateTokens(ClaudeRequest.countBody(body)));
      double tokensPerUnit = (double) tokens / estimated;
      long fixed = estimated - messagesEstimate(body.getJsonArray("messages"));
      long budget = Math.max(1, (long) (target / tokensPerUnit * REFIT_MARGIN) - fixed);
      JsonObject next = ClaudeRequest.body(settings, Conversation.fit(conversation, budget), tools);
      boolean cutMore = !next.getJsonArray("messages").equals(body.getJsonArray("messages"));
      if (counts >= MAX_COUNTS || !cutMore) {
        return Future.succeededFuture(next); // nothing more to cut (the newest exchange alone), or counted enough
      }
      return fitCounted(settings, conversation, tools, next, target, counts + 1);
    });
  }

  private static long messagesEstimate(JsonArray messages) {
    long sum = 0;
    for (Object m : messages) {
      sum += Conversation.estimateTokens(m);
    }
    return sum;
  }
}
