package agentx.api;

import agentx.protocol.EngineClient;
import agentx.protocol.StoreClient;
import agentx.protocol.ToolsClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

/**
 * Health as vertx-health-check procedures, one per role, each asking its service over the bus with
 * a short timeout (in a split deployment the API node's own configuration knows nothing about the
 * engine's Claude key):
 * <ul>
 *   <li>{@code GET /health}: {@code {status: healthy|degraded, database, llm, comfyui, mcp_servers, roles}},
 *       503 only when the store cannot be reached or refuses writes;</li>
 *   <li>{@code GET /health/ready}: the procedures' own JSON, 200 when the store can write and an engine
 *       and a tools service are present somewhere in the cluster, else 503;</li>
 *   <li>{@code GET /health/live}: 200 while this node's event loop answers.</li>
 * </ul>
 * None of them needs a token.
 */
final class HealthRoutes {
  static final long PROBE_TIMEOUT_MS = 2_000;
  static final String STORE = "store";
  static final String ENGINE = "engine";
  static final String TOOLS = "tools";

  private final HealthChecks roles;
  private final HealthChecks live;

  HealthRoutes(Vertx vertx, StoreClient store, EngineClient engine, ToolsClient tools) {
    // the procedures answer within the probe timeout themselves; vertx-health-check's own timeout is a backstop
    long backstop = PROBE_TIMEOUT_MS + 1_000;
    roles = HealthChecks.create(vertx)
        .register(STORE, backstop, p -> probe(p, store.health(PROBE_TIMEOUT_MS).map(h -> h.toJson())))
        .register(ENGINE, backstop, p -> probe(p, engine.health(PROBE_TIMEOUT_MS).map(h -> h.toJson())))
        .register(TOOLS, backstop, p -> probe(p, tools.status(PROBE_TIMEOUT_MS).map(h -> h.toJson())));
    live = HealthChecks.create(vertx).register("event-loop", p -> p.complete(Status.OK()));
  }

  /** Mounts {@code /health}, {@code /health/live} and {@code /health/ready} on {@code router}. */
  void mount(Router router) {
    router.get("/health").handler(this::summary);
    router.get("/health/live").handler(HealthCheckHandler.createWithHealthChecks(live));
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(roles));
  }

  private static void probe(Promise<Status> status, Future<JsonObject> answer) {
    answer.onComplete(done -> status.tryComplete(done.succeeded()
        ? Status.OK(done.result())
        : Status.KO(new JsonObject().put("error", String.valueOf(done.cause().getMessage())))));
  }

  /** {@code GET /health}: today's summary, built from the same procedures. */
  void summary(RoutingContext ctx) {
    roles.checkStatus().onComplete(done -> {
      CheckResult result = done.succeeded() ? done.result() : new CheckResult();
      JsonObject database = data(result, STORE);
      JsonObject llm = data(result, ENGINE);
      JsonObject toolStatus = data(result, TOOLS);
      JsonArray servers = toolStatus != null ? toolStatus.getJsonArray("servers", new JsonArray()) : new JsonArray();
      boolean serverDown = servers.stream().anyMatch(s -> s instanceof JsonObject o && !"running".equals(o.getString("status")));
      boolean allPresent = database != null && llm != null && toolStatus != null;
      JsonObject body = new JsonObject()
          .put("status", allPresent && !serverDown ? "healthy" : "degraded")
          .put("database", database != null ? "up" : "down")
          .put("llm", llm != null ? llm.getString("llm", "not_configured") : "unavailable")
          .put("comfyui", toolStatus != null ? toolStatus.getString("comfyui", "unknown") : "unknown")
          .put("mcp_servers", servers)
          .put("roles", new JsonObject()
              .put(STORE, database != null ? "up" : "down")
              .put(ENGINE, llm != null ? "up" : "down")
              .put(TOOLS, toolStatus != null ? "up" : "down"));
      ctx.response().setStatusCode(database != null ? 200 : 503).putHeader("Content-Type", "application/json").end(body.encode());
    });
  }

  /** The data of procedure {@code id} when it is up, else null. */
  private static JsonObject data(CheckResult result, String id) {
    if (result.getChecks() == null) {
      return null;
    }
    for (CheckResult check : result.getChecks()) {
      if (id.equals(check.getId()) && check.getStatus() != null && check.getStatus().isOk()) {
        return check.getStatus().getData() != null ? check.getStatus().getData() : new JsonObject();
      }
    }
    return null;
  }
}
