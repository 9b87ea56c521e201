package agentx;

import agentx.api.HttpApiVerticle;
import agentx.api.MetricsEndpointVerticle;
import agentx.config.AgentXConfig;
import agentx.config.HazelcastSetup;
import agentx.engine.AgentEngineVerticle;
import agentx.events.Metrics;
import agentx.events.Ids;
import agentx.protocol.TurnOutcome;
import agentx.protocol.CreateSession;
import agentx.protocol.EngineClient;
import agentx.protocol.Session;
import agentx.protocol.SessionEvent;
import agentx.protocol.StartTurn;
import agentx.protocol.StoreClient;
import agentx.store.PersistenceVerticle;
import agentx.tools.McpToolsVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime in-process: deploys the verticles of the configured roles on a Vert.x instance and
 * offers the seed's programmatic use (create a session, send a message, follow its events).
 *
 * <pre>{@code
 * AgentX agentx = AgentX.start(AgentXConfig.load(System.getenv(), Path.of("."), null)).await();
 * JsonObject session = agentx.createSession("user-123", "My Debug Session").await();
 * agentx.events(session.getString("session_id"), event -> System.out.println(event.encode()));
 * JsonObject reply = agentx.sendMessage(session.getString("session_id"), "Help me debug this workflow").await();
 * agentx.close().await();
 * }</pre>
 */
public final class AgentX {
  private static final Logger log = LoggerFactory.getLogger(AgentX.class);

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final AgentXConfig config;
  private final HttpApiVerticle http;
  /** The engine's and the HTTP API's deployments, those of this node's roles: {@link #close} stops them first, in that order. */
  private final List<Future<String>> stopFirst;

  private AgentX(Vertx vertx, boolean ownsVertx, AgentXConfig config, HttpApiVerticle http, List<Future<String>> stopFirst) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.config = config;
    this.http = http;
    this.stopFirst = stopFirst;
  }

  /** Starts a Vert.x instance of its own (clustered when {@code AGENTX_CLUSTER}) and deploys the configured roles on it. */
  public static Future<AgentX> start(AgentXConfig config) {
    PrometheusMeterRegistry registry = Metrics.newRegistry();
    VertxOptions options = new VertxOptions().setMetricsOptions(metricsOptions());
    // Micrometer's meters, their HTTP server part guarded against connections Vert.x accepted before it had made them
    ServerMetricsGuard factory = new ServerMetricsGuard(new MicrometerMetricsFactory(registry));
    Future<Vertx> vertx = config.bool(AgentXConfig.CLUSTER)
        ? HazelcastSetup.clusteredVertx(config, options, factory)
        : Future.succeededFuture(Vertx.builder().with(options).withMetrics(factory).build());
    return vertx.compose(v -> {
      Metrics.bind(v, registry);
      return deploy(v, true, config).onFailure(e -> v.close()).onSuccess(started -> bindJvmMetrics(v, registry));
    });
  }

  /**
   * Vert.x's own meters (HTTP server and client, event bus, pools, JVM) next to the runtime's. No
   * label that carries an id: event-bus addresses and request paths hold session ids, so they are
   * left out (routes are templates and stay). The event bus's meters are off: Vert.x looks its
   * counters up in the registry (building tags) for every message sent and received, which was 7 % of
   * the CPU while streaming (one publish per token); the runtime's own meters count what matters.
   */
  static MicrometerMetricsOptions metricsOptions() {
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)
        .setJvmMetricsEnabled(false)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
        .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE, Label.EB_SIDE, Label.EB_FAILURE,
            Label.POOL_TYPE, Label.POOL_NAME));
  }

  /**
   * The JVM's meters (memory, GC, threads, classes, compilation, CPU), the ones Vert.x binds when
   * asked, bound a second after the node is up, off the event loop: they load the JVM's management
   * beans (a few hundred classes), which neither the start nor the first requests need to wait for
   * on two cores. Closed with the Vert.x instance (the GC meters listen to the JVM's notifications).
   */
  private static void bindJvmMetrics(Vertx vertx, io.micrometer.core.instrument.MeterRegistry registry) {
    vertx.setTimer(JVM_METERS_DELAY_MS, t -> vertx.executeBlocking(() -> {
      List<io.micrometer.core.instrument.binder.MeterBinder> binders = List.of(
          new io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics(),
          new io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics(),
          new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics(),
          new io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics(),
          new io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics(),
          new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics(),
          new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics(),
          new io.micrometer.core.instrument.binder.system.ProcessorMetrics());
      binders.forEach(binder -> binder.bindTo(registry));
      return binders;
    }, false).onSuccess(binders -> ((io.vertx.core.internal.VertxInternal) vertx).addCloseHook(completion -> {
      for (Object binder : binders) {
        if (binder instanceof AutoCloseable closeable) {
          try {
            closeable.close();
          } catch (Exception e) {
            log.debug("Closing {}: {}", binder.getClass().getSimpleName(), e.toString());
          }
        }
      }
      completion.succeed();
    })).onFailure(e -> log.warn("The JVM's meters are not available: {}", e.toString())));
  }

  static final long JVM_METERS_DELAY_MS = 1_000;

  /** Deploys the configured roles on an existing Vert.x instance (clustered or not). */
  public static Future<AgentX> deploy(Vertx vertx, AgentXConfig config) {
    return deploy(vertx, false, config);
  }

  private static Future<AgentX> deploy(Vertx vertx, boolean ownsVertx, AgentXConfig config) {
    List<String> roles = config.list(AgentXConfig.ROLES);
    for (String role : roles) {
      if (!AgentXConfig.ALL_ROLES.contains(role)) {
        return Future.failedFuture(new IllegalArgumentException("unknown role '" + role + "' (roles: " + AgentXConfig.ALL_ROLES + ")"));
      }
    }
    JsonObject verticleConfig = config.toJson();
    // A single node that runs both the store and the engine knows every running turn died with it.
    boolean singleNode = !config.bool(AgentXConfig.CLUSTER);
    verticleConfig.put(PersistenceVerticle.RECOVER_TURNS, singleNode && roles.contains("engine"));
    DeploymentOptions options = new DeploymentOptions().setConfig(verticleConfig);

    // The store, the tools and the engine start side by side (none asks another anything while it
    // starts: with roles split over a cluster it could not count on the others being up anyway), so
    // their start-up work (migrations, class loading) overlaps; so does the HTTP edge's, which opens
    // its port only when all of them can answer.
    List<Future<String>> services = new java.util.ArrayList<>();
    if (roles.contains("store")) {
      services.add(vertx.deployVerticle(new PersistenceVerticle(), options));
    }
    if (roles.contains("tools")) {
      services.add(vertx.deployVerticle(new McpToolsVerticle(), options));
    }
    List<Future<String>> stopFirst = new java.util.ArrayList<>();
    if (roles.contains("engine")) {
      Future<String> engine = vertx.deployVerticle(new AgentEngineVerticle(), options);
      services.add(engine);
      stopFirst.add(engine);
    }
    List<Future<String>> all = new java.util.ArrayList<>(services);
    HttpApiVerticle http = roles.contains("api") ? new HttpApiVerticle(Future.all(services)) : null;
    if (http != null) {
      Future<String> api = vertx.deployVerticle(http, options);
      all.add(api);
      stopFirst.add(api);
    }
    // one that fails to start fails the node, but only once the others have settled, and those that
    // started are undeployed (a store still migrating must not keep writing after the start failed)
    Future<?> chain = Future.join(all).recover(failed -> Future.join(all.stream()
            .filter(Future::succeeded).map(started -> vertx.undeploy(started.result())).toList())
        .transform(undeployed -> Future.failedFuture(failed)));
    // a node without an HTTP API can still be scraped: its meters are its own
    if (!roles.contains("api") && config.integer(AgentXConfig.METRICS_PORT) > 0) {
      chain = chain.compose(v -> vertx.deployVerticle(new MetricsEndpointVerticle(), options));
    }
    return chain.map(v -> {
      log.info("AgentX started with roles {}", roles);
      return new AgentX(vertx, ownsVertx, config, http, stopFirst);
    });
  }

  public Vertx vertx() {
    return vertx;
  }

  public AgentXConfig config() {
    return config;
  }

  /** The HTTP port actually bound, or -1 without the api role. */
  public int port() {
    return http == null ? -1 : http.actualPort();
  }

  public Future<JsonObject> createSession(String userId, String title) {
    return new StoreClient(vertx).createSession(new CreateSession(userId, title, new JsonObject())).map(Session::toJson);
  }

  /**
   * Runs a turn and answers the AssistantReply of DESIGN §4.1 when it ends, or {@code {session_id,
   * turn_id, status: "awaiting_approval"}} when it stopped to wait for approvals.
   */
  public Future<JsonObject> sendMessage(String sessionId, String content) {
    return new EngineClient(vertx).runTurn(new StartTurn(sessionId, Ids.timeOrdered(), content, null, true),
        config.integer(AgentXConfig.TURN_TIMEOUT) * 1000L + 60_000).map(TurnOutcome::toJson);
  }

  /** Follows a session's events (envelopes of DESIGN §4.2) as they are published. */
  public MessageConsumer<Object> events(String sessionId, Handler<JsonObject> handler) {
    return SessionEvent.consumer(vertx, sessionId, event -> handler.handle(event.toJson().copy()));
  }

  /**
   * Stops the node: first the engine (it answers the messages queued behind running turns, 503 "send it
   * again", and leaves its running turns to be resumed, their events written while the store is still up),
   * then the HTTP API (the answers it still owes go out before its server closes), then everything else.
   * Closing the Vert.x instance alone would stop them all at once, the server's connections closed before
   * those answers could be written.
   */
  public Future<Void> close() {
    if (!ownsVertx) {
      return Future.succeededFuture();
    }
    Future<Void> stopped = Future.succeededFuture();
    for (Future<String> deployment : stopFirst) {
      stopped = stopped.compose(v -> vertx.undeploy(deployment.result()).otherwiseEmpty());
    }
    return stopped.compose(v -> vertx.close());
  }
}
