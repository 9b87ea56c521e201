package agentx.api;

import agentx.protocol.EngineClient;
import agentx.protocol.NodeHealth;
import agentx.protocol.StoreClient;
import agentx.protocol.ToolsClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /health}: {@code {status: healthy|degraded, database, llm, comfyui, mcp_servers, roles}}.
 * Every answer comes from the service itself, asked over the bus with a short timeout: in a split
 * deployment the API node's own configuration knows nothing about the engine's Claude key. Never
 * needs a token.
 */
final class HealthRoutes {
  private static final long PROBE_TIMEOUT_MS = 2_000;

  private final StoreClient store;
  private final EngineClient engine;
  private final ToolsClient tools;

  HealthRoutes(StoreClient store, EngineClient engine, ToolsClient tools) {
    this.store = store;
    this.engine = engine;
    this.tools = tools;
  }

  void handle(RoutingContext ctx) {
    Future<NodeHealth.Store> database = store.health(PROBE_TIMEOUT_MS);
    Future<NodeHealth.Engine> llm = engine.health(PROBE_TIMEOUT_MS);
    Future<NodeHealth.Tools> toolStatus = tools.status(PROBE_TIMEOUT_MS);
    Future.join(database, llm, toolStatus).onComplete(done -> {
      boolean databaseUp = database.succeeded();
      JsonArray servers = toolStatus.succeeded() ? toolStatus.result().servers() : new JsonArray();
      boolean serverDown = servers.stream().anyMatch(s -> s instanceof JsonObject o && !"running".equals(o.getString("status")));
      boolean allPresent = databaseUp && llm.succeeded() && toolStatus.succeeded();
      JsonObject body = new JsonObject()
          .put("status", allPresent && !serverDown ? "healthy" : "degraded")
          .put("database", databaseUp ? "up" : "down")
          .put("llm", llm.succeeded() ? (llm.result().llmConfigured() ? "configured" : "not_configured") : "unavailable")
          .put("comfyui", toolStatus.succeeded() ? toolStatus.result().comfyui() : "unknown")
          .put("mcp_servers", servers)
          .put("roles", new JsonObject()
              .put("store", databaseUp ? "up" : "down")
              .put("engine", llm.succeeded() ? "up" : "down")
              .put("tools", toolStatus.succeeded() ? "up" : "down"));
      ctx.response().setStatusCode(databaseUp ? 200 : 503).putHeader("Content-Type", "application/json").end(body.encode());
    });
  }
}
