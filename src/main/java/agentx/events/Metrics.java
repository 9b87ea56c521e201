package agentx.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The runtime's own meters ({@code agentx_*}), one set per Vert.x instance, in the Prometheus
 * registry that {@code GET /metrics} scrapes. Each meter is recorded where the work happens: turns,
 * tokens, cost, time to first token and retries on the engine's node; tool calls on the tools
 * service's node; event writes on the store's node; stream clients on the API node. In a cluster
 * every node is scraped on its own.
 *
 * <p>When the runtime builds its own Vert.x ({@code AgentX.start}) the same registry also holds
 * Vert.x's HTTP, event-bus and pool meters and the JVM's; a Vert.x made elsewhere (a test, an
 * embedding application) gets a registry of the {@code agentx_*} meters only.
 */
public final class Metrics {
  /** The transports a client can follow a session's events on. */
  public static final String WEBSOCKET = "websocket";
  public static final String SSE = "sse";
  public static final String EVENTBUS = "eventbus";

  private static final List<String> TURN_STATUSES = List.of("completed", "cancelled", "failed");
  private static final List<String> TOKEN_KINDS = List.of("input", "output", "cache_read", "cache_write");
  private static final Map<Vertx, Metrics> BY_VERTX = Collections.synchronizedMap(new WeakHashMap<>());

  private final PrometheusMeterRegistry registry;
  private final AtomicInteger activeTurns = new AtomicInteger();
  private final Map<String, AtomicInteger> streamClients = new ConcurrentHashMap<>();
  private final Counter cost;
  private final Counter retries;
  private final Counter eventsPersisted;
  private final DistributionSummary batchSize;
  private final Timer storeWrite;
  private final Timer timeToFirstToken;

  private Metrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("agentx.active.turns", activeTurns, AtomicInteger::get)
        .description("Turns running on this node's engine").register(registry);
    TURN_STATUSES.forEach(this::turnsCounter);
    TOKEN_KINDS.forEach(this::tokenCounter);
    cost = Counter.builder("agentx.cost.usd").description("Estimated cost of the Claude calls, in US dollars").register(registry);
    retries = Counter.builder("agentx.llm.retries").description("Claude calls retried after a retryable failure").register(registry);
    timeToFirstToken = Timer.builder("agentx.llm.time.to.first.token")
        .description("From sending a Claude request to its first streamed token (text, thinking or tool use)")
        .serviceLevelObjectives(seconds(0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60))
        .register(registry);
    eventsPersisted = Counter.builder("agentx.events.persisted").description("Event envelopes committed to the log").register(registry);
    batchSize = DistributionSummary.builder("agentx.store.batch.size")
        .description("Envelopes per event-log write (group commit)")
        .serviceLevelObjectives(1, 2, 5, 10, 20, 50, 100, 200, 500)
        .register(registry);
    storeWrite = Timer.builder("agentx.store.write")
        .description("Duration of the store's write transactions")
        .serviceLevelObjectives(seconds(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
        .register(registry);
    for (String transport : List.of(WEBSOCKET, SSE, EVENTBUS)) {
      streamClient(transport);
    }
  }

  /** A new Prometheus registry for a Vert.x instance the runtime builds itself (pass it to {@link #bind} too). */
  public static PrometheusMeterRegistry newRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  /** Makes {@code registry} (the one Vert.x reports into) the home of this instance's {@code agentx_*} meters. */
  public static Metrics bind(Vertx vertx, PrometheusMeterRegistry registry) {
    Metrics metrics = new Metrics(registry);
    BY_VERTX.put(vertx, metrics);
    return metrics;
  }

  /** This Vert.x instance's meters (created with a registry of their own on first use). */
  public static Metrics of(Vertx vertx) {
    return BY_VERTX.computeIfAbsent(vertx, v -> new Metrics(newRegistry()));
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  // --- engine ---

  public void turnStarted() {
    activeTurns.incrementAndGet();
  }

  /** @param status {@code completed|cancelled|failed} */
  public void turnEnded(String status) {
    activeTurns.decrementAndGet();
    turnsCounter(status).increment();
  }

  /** One Claude answer's usage and estimated cost. */
  public void llmUsage(long input, long output, long cacheRead, long cacheWrite, double costUsd) {
    tokenCounter("input").increment(input);
    tokenCounter("output").increment(output);
    tokenCounter("cache_read").increment(cacheRead);
    tokenCounter("cache_write").increment(cacheWrite);
    if (costUsd > 0) {
      cost.increment(costUsd);
    }
  }

  public void timeToFirstToken(long nanos) {
    timeToFirstToken.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void llmRetry() {
    retries.increment();
  }

  // --- tools ---

  /** @param outcome {@code ok|error} */
  public void toolCall(String tool, String outcome, long nanos) {
    Timer.builder("agentx.tool.call")
        .description("Duration of tool calls by tool and outcome")
        .tags("tool", tool, "outcome", outcome)
        .serviceLevelObjectives(seconds(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300))
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  // --- store ---

  /** {@code count} envelopes committed (and then published). */
  public void eventsPersisted(int count) {
    eventsPersisted.increment(count);
  }

  /** One event-log write transaction of {@code size} envelopes (the store's group commit may join several requests). */
  public void eventBatch(int size) {
    batchSize.record(size);
  }

  public void storeWrite(long nanos) {
    storeWrite.record(nanos, TimeUnit.NANOSECONDS);
  }

  // --- api ---

  public void streamClientOpened(String transport) {
    streamClient(transport).incrementAndGet();
  }

  /** {@code agentx_llm_calls_waiting}: Claude calls of this node's engine waiting for a connection, as {@code waiting} counts them. */
  public void llmCallsWaiting(java.util.function.Supplier<Number> waiting) {
    Gauge.builder("agentx.llm.calls.waiting", waiting).description("Claude calls waiting for one of the engine's connections to Claude")
        .register(registry);
  }

  public void streamClientClosed(String transport) {
    streamClient(transport).decrementAndGet();
  }

  private AtomicInteger streamClient(String transport) {
    return streamClients.computeIfAbsent(transport, t -> {
      AtomicInteger count = new AtomicInteger();
      Gauge.builder("agentx.stream.clients", count, AtomicInteger::get)
          .description("Clients following session events on this node, by transport")
          .tag("transport", t).register(registry);
      return count;
    });
  }

  private Counter turnsCounter(String status) {
    return Counter.builder("agentx.turns").description("Turns that ended, by status").tag("status", status).register(registry);
  }

  private Counter tokenCounter(String kind) {
    return Counter.builder("agentx.llm.tokens").description("Claude tokens by kind").tag("kind", kind).register(registry);
  }

  private static Duration[] seconds(double... values) {
    Duration[] out = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Duration.ofNanos((long) (values[i] * 1e9));
    }
    return out;
  }
}
