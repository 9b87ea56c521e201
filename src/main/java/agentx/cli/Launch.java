package agentx.cli;

import agentx.AgentX;
import agentx.config.AgentXConfig;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses how to start: plain Vert.x, or clustered when asked. */
final class Launch {
  private static final Logger log = LoggerFactory.getLogger(Launch.class);

  private Launch() {}

  static Future<AgentX> start(AgentXConfig config) {
    if (!config.llmConfigured()) {
      log.warn("ANTHROPIC_API_KEY is not set (nor ANTHROPIC_AUTH_TOKEN, nor a gateway's ANTHROPIC_BASE_URL): the server runs, "
          + "but messages answer 503 LLM_NOT_CONFIGURED until it is.");
    }
    return AgentX.start(config);
  }
}
