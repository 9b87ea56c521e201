package agentx.api;

import agentx.config.AgentXConfig;
import agentx.events.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics} and {@code GET /health/live} on {@code AGENTX_METRICS_PORT}, for a cluster node
 * without the api role: its engine, store or tools meters live on it and nowhere else, so Prometheus
 * scrapes it directly. Guarded by the API token like the API node's {@code /metrics}.
 */
public class MetricsEndpointVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(MetricsEndpointVerticle.class);
  private HttpServer server;

  @Override
  public Future<?> start() {
    AgentXConfig config = AgentXConfig.from(config());
    Auth auth = new Auth(config.string(AgentXConfig.API_TOKEN));
    Router router = Router.router(vertx);
    router.get("/metrics").handler(auth::handle).handler(PrometheusScrapingHandler.create(Metrics.of(vertx).registry()));
    router.get("/health/live").handler(HealthCheckHandler.createWithHealthChecks(
        HealthChecks.create(vertx).register("event-loop", p -> p.complete(Status.OK()))));
    String host = config.string(AgentXConfig.HOST);
    return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(config.integer(AgentXConfig.METRICS_PORT)))
        .requestHandler(router)
        .listen()
        .onSuccess(s -> {
          server = s;
          log.info("Metrics of this node on http://{}:{}/metrics", host, s.actualPort());
        });
  }

  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }
}
