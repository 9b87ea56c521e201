package agentx.engine;

import agentx.engine.anthropic.AnthropicClient;
import agentx.engine.anthropic.AnthropicException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's own token count ({@code POST /v1/messages/count_tokens}) for one client. A gateway without
 * the endpoint (404, 405, 501) is remembered, so it is asked once, not at every call; any failure is
 * logged once per client as a warning (later ones at debug) and leaves the caller to its estimate.
 */
final class TokenCounter {
  private static final Logger log = LoggerFactory.getLogger(TokenCounter.class);

  private final AnthropicClient client;
  private final AtomicBoolean warned = new AtomicBoolean();
  private volatile boolean endpointMissing;

  TokenCounter(AnthropicClient client) {
    this.client = client;
  }

  /** False once the API answered that it has no count_tokens endpoint. */
  boolean available() {
    return !endpointMissing;
  }

  /** The input tokens of {@code countBody} ({@link ClaudeRequest#countBody}); fails when the API cannot count it. */
  Future<Long> count(JsonObject countBody) {
    return client.countTokens(countBody).onFailure(e -> {
      int status = e instanceof AnthropicException a ? a.status() : 0;
      if (status == 404 || status == 405 || status == 501) {
        endpointMissing = true;
      }
      if (warned.compareAndSet(false, true)) {
        log.warn("Token counting (count_tokens) failed, so the context is fitted by the local estimate{}: {}",
            endpointMissing ? " from now on" : " for this call", e.getMessage());
      } else {
        log.debug("Token counting failed: {}", e.getMessage());
      }
    });
  }
}
