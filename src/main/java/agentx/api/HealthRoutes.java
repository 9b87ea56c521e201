package agentx.api;

import agentx.config.AgentXConfig;
import agentx.protocol.Addresses;
import agentx.protocol.Bus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** {@code GET /health}: {@code {status: healthy|degraded, database, llm, comfyui, mcp_servers}}. Never needs a token. */
final class HealthRoutes {
  private static final long PROBE_TIMEOUT_MS = 2_000;

  private final Vertx vertx;
  private final AgentXConfig config;

  HealthRoutes(Vertx vertx, AgentXConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  void handle(RoutingContext ctx) {
    Future<String> database = Bus.request(vertx, Addresses.STORE_HEALTH, new JsonObject(), PROBE_TIMEOUT_MS)
        .map(r -> "up").otherwise("down");
    Future<JsonObject> tools = Bus.request(vertx, Addresses.TOOLS_STATUS, new JsonObject(), PROBE_TIMEOUT_MS)
        .otherwise(new JsonObject().put("comfyui", "unknown").put("servers", new JsonArray()));
    Future.join(database, tools).onComplete(done -> {
      JsonArray servers = tools.result().getJsonArray("servers", new JsonArray());
      boolean serverDown = servers.stream().anyMatch(s -> s instanceof JsonObject o && !"running".equals(o.getString("status")));
      boolean databaseUp = "up".equals(database.result());
      JsonObject body = new JsonObject()
          .put("status", databaseUp && !serverDown ? "healthy" : "degraded")
          .put("database", database.result())
          .put("llm", config.hasApiKey() ? "configured" : "not_configured")
          .put("comfyui", tools.result().getString("comfyui", "unknown"))
          .put("mcp_servers", servers);
      ctx.response().setStatusCode(databaseUp ? 200 : 503).putHeader("Content-Type", "application/json").end(body.encode());
    });
  }
}
