package agentx.bench;

import agentx.testing.TestDatabases.Backend;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What {@link StreamBenchmark} measures, from system properties ({@code -Dbench.…}); each has a
 * full-size default and a smoke default ({@code -Dbench.smoke=true}).
 *
 * <table>
 * <tr><th>property</th><th>full</th><th>smoke</th><th>meaning</th></tr>
 * <tr><td>bench.sessions</td><td>1,100,1000</td><td>1,5</td><td>the C values: sessions streaming at once</td></tr>
 * <tr><td>bench.tokens</td><td>500</td><td>20</td><td>text tokens per answer (unpaced runs)</td></tr>
 * <tr><td>bench.backends</td><td>sqlite,postgresql</td><td>sqlite</td><td>store backends ({@code none}: only the heap-capped row)</td></tr>
 * <tr><td>bench.pacedTokens, bench.paceMs</td><td>50, 20</td><td>5, 5</td><td>the paced runs (latency): tokens, ms between tokens</td></tr>
 * <tr><td>bench.pacedSamples</td><td>500</td><td>0</td><td>tokens a paced run measures at least: fewer sessions get longer answers
 *     (C = 1: 500 tokens), so a p99 is a percentile and not the slowest of 50</td></tr>
 * <tr><td>bench.warmup</td><td>200</td><td>1</td><td>streams per warm-up round, run on each fresh process before measuring</td></tr>
 * <tr><td>bench.warmupRounds, bench.warmupSeconds</td><td>50, 90</td><td>1, 90</td><td>warm-up rounds at most, and seconds:
 *     they go on while the JIT compilers used more than bench.warmupJit of the server's CPU in the last round</td></tr>
 * <tr><td>bench.warmupJit</td><td>0.05</td><td>0.05</td><td>the JIT's share of a round's CPU under which the server is warm</td></tr>
 * <tr><td>bench.heapCap</td><td>256m</td><td>(none)</td><td>an extra row: SQLite, largest C, both servers with this -Xmx</td></tr>
 * <tr><td>bench.startups</td><td>3</td><td>1</td><td>restarts on the filled database to time start-up (each: plain, with the class-data archive, the start-up floor)</td></tr>
 * <tr><td>bench.serverJvm</td><td>(none)</td><td>(none)</td><td>extra JVM flags for the runtime, space-separated (e.g. a JFR recording)</td></tr>
 * <tr><td>bench.relayJvm</td><td>(none)</td><td>(none)</td><td>extra JVM flags for the relay</td></tr>
 * <tr><td>bench.relayInstances</td><td>cores</td><td>cores</td><td>relay verticle instances (event loops)</td></tr>
 * <tr><td>bench.relayPool</td><td>64</td><td>64</td><td>relay connections to Claude, as the runtime's AnthropicClient</td></tr>
 * <tr><td>bench.storingRelay</td><td>true</td><td>true</td><td>SQLite rows also measure the storing floor: the relay writing
 *     each event to a SQLite file before it forwards it ({@link RawRelay}, fourth argument)</td></tr>
 * <tr><td>bench.write</td><td>true</td><td>false</td><td>replace the section in docs/PERFORMANCE.md</td></tr>
 * <tr><td>bench.tokensDump</td><td>(none)</td><td>(none)</td><td>a folder: every measured token of every run, {@link Phase#dump}</td></tr>
 * <tr><td>bench.clients</td><td>websocket</td><td>websocket</td><td>how the runtime's clients follow their sessions: {@code websocket}
 *     ({@code /sessions/{id}/stream}) or {@code bridge} (the SockJS event-bus bridge's raw WebSocket, {@code /eventbus/websocket},
 *     as a page with vertx-eventbus.js: register on the session's events, send to {@code agentx.client.send}) or {@code sse}
 *     ({@code /sessions/{id}/events/stream?after=0}, as an EventSource, the message by {@code POST /messages} with
 *     {@code "wait": false}); the slow client stays on the session WebSocket</td></tr>
 * </table>
 */
record Settings(
    boolean smoke,
    List<Integer> sessions,
    int tokens,
    List<Backend> backends,
    int pacedTokens,
    int pacedSamples,
    int paceMs,
    int warmup,
    int warmupRounds,
    int warmupSeconds,
    double warmupJit,
    String heapCap,
    int startups,
    List<String> serverJvm,
    List<String> relayJvm,
    int relayInstances,
    int relayPool,
    int upstreamInstances,
    boolean storingRelay,
    boolean write,
    Path jar,
    Path docs,
    Path workDir,
    Path tokensDump,
    Clients clients) {

  /** How the runtime's clients follow their sessions ({@code bench.clients}). */
  enum Clients {
    WEBSOCKET("the session WebSocket (/sessions/{id}/stream)"),
    BRIDGE("the event-bus bridge (/eventbus/websocket)"),
    SSE("Server-Sent Events (/sessions/{id}/events/stream, messages by POST)");

    final String label;

    Clients(String label) {
      this.label = label;
    }
  }

  static Settings fromSystemProperties() {
    boolean smoke = Boolean.parseBoolean(System.getProperty("bench.smoke", "false"));
    int cores = Runtime.getRuntime().availableProcessors();
    return new Settings(
        smoke,
        Arrays.stream(prop("bench.sessions", smoke ? "1,5" : "1,100,1000").split(",")).map(String::trim).map(Integer::parseInt).toList(),
        Integer.parseInt(prop("bench.tokens", smoke ? "20" : "500")),
        Arrays.stream(prop("bench.backends", smoke ? "sqlite" : "sqlite,postgresql").split(","))
            .map(s -> s.trim().toUpperCase(Locale.ROOT)).filter(s -> !s.equals("NONE")).map(Backend::valueOf).toList(),
        Integer.parseInt(prop("bench.pacedTokens", smoke ? "5" : "50")),
        Integer.parseInt(prop("bench.pacedSamples", smoke ? "0" : "500")),
        Integer.parseInt(prop("bench.paceMs", smoke ? "5" : "20")),
        Integer.parseInt(prop("bench.warmup", smoke ? "1" : "200")),
        Integer.parseInt(prop("bench.warmupRounds", smoke ? "1" : "50")),
        Integer.parseInt(prop("bench.warmupSeconds", "90")),
        Double.parseDouble(prop("bench.warmupJit", "0.05")),
        prop("bench.heapCap", smoke ? "" : "256m").trim(),
        Integer.parseInt(prop("bench.startups", smoke ? "1" : "3")),
        words(prop("bench.serverJvm", "")),
        words(prop("bench.relayJvm", "")),
        Integer.parseInt(prop("bench.relayInstances", String.valueOf(cores))),
        Integer.parseInt(prop("bench.relayPool", "64")),
        Integer.parseInt(prop("bench.upstreamInstances", String.valueOf(cores))),
        Boolean.parseBoolean(prop("bench.storingRelay", "true")),
        Boolean.parseBoolean(prop("bench.write", String.valueOf(!smoke))),
        Path.of(prop("agentx.jar", "target/agentx.jar")),
        Path.of(prop("bench.docs", "docs/PERFORMANCE.md")),
        Path.of(prop("bench.out", smoke ? "target/stream-benchmark-smoke" : "target/stream-benchmark")).toAbsolutePath(),
        prop("bench.tokensDump", "").isBlank() ? null : Path.of(prop("bench.tokensDump", "")).toAbsolutePath(),
        clients(prop("bench.clients", "websocket")));
  }

  /** Tokens per answer in a paced run of {@code sessions} sessions: {@link #pacedTokens}, more when that gives fewer than {@link #pacedSamples} in all. */
  int pacedTokens(int sessions) {
    return Math.max(pacedTokens, (pacedSamples + sessions - 1) / sessions);
  }

  private static Clients clients(String kind) {
    return switch (kind.trim().toLowerCase(Locale.ROOT)) {
      case "websocket" -> Clients.WEBSOCKET;
      case "bridge" -> Clients.BRIDGE;
      case "sse" -> Clients.SSE;
      default -> throw new IllegalArgumentException("bench.clients must be websocket, bridge or sse, not " + kind);
    };
  }

  private static List<String> words(String text) {
    return Arrays.stream(text.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
  }

  private static String prop(String name, String fallback) {
    String value = System.getProperty(name);
    return value == null || value.isBlank() && !name.equals("bench.heapCap") && !name.endsWith("Jvm") ? fallback : value;
  }

  @Override
  public String toString() {
    return String.format("C=%s, %d tokens per answer (paced runs: %d tokens, at least %d in all, one every %d ms), backends %s, warm-up rounds of %d streams per process"
        + " until the JIT compilers use at most %.0f %% of a round's CPU (at most %d rounds, %d s), then unpaced rounds at the row's C, when it is more, until two in a row touch fewer than %,d new pages each (at most %d),"
        + " heap-capped row %s, storing floor on SQLite rows %s, extra JVM flags: runtime %s, relay %s; relay %d event loop(s) with %d connections to Claude, upstream %d event loop(s); the runtime's clients on %s",
        sessions, tokens, pacedTokens, pacedSamples, paceMs, backends, warmup, 100 * warmupJit, warmupRounds, warmupSeconds,
        StreamBenchmark.SETTLED_PAGE_FAULTS, StreamBenchmark.MAX_ROUNDS_AT_C, heapCap.isEmpty() ? "off" : "-Xmx" + heapCap, storingRelay ? "on" : "off",
        serverJvm.isEmpty() ? "none" : String.join(" ", serverJvm), relayJvm.isEmpty() ? "none" : String.join(" ", relayJvm), relayInstances, relayPool, upstreamInstances,
        clients.label);
  }
}
