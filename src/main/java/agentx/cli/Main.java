package agentx.cli;

import agentx.AgentX;
import agentx.config.AgentXConfig;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar agentx.jar [options]}: runs the server until stopped; {@code install-comfyui}
 * writes the ComfyUI extension instead, {@code class-archive} a class-data archive for faster starts.
 */
@Command(name = "agentx", mixinStandardHelpOptions = true, version = "AgentX Runtime 0.1.0",
    subcommands = {InstallComfyUi.class, ClassArchive.class},
    description = {
        "AgentX Runtime: Claude Code for ComfyUI as a server (REST, WebSocket, event-bus bridge, MCP).",
        "",
        "Settings come from the environment, then .env in the working directory, then conf/config.json, "
            + "then defaults; these flags override them all. See README.md for every setting.",
        "",
        "Examples:",
        "  java -jar agentx.jar",
        "      serves http://127.0.0.1:8000 with the SQLite file ./agentx_sessions.db",
        "  ANTHROPIC_API_KEY=sk-ant-... java -jar agentx.jar --port 9000",
        "  java -jar agentx.jar --cluster --roles engine,tools",
        "      joins the cluster members of AGENTX_CLUSTER_MEMBERS as an engine node",
        "  java -jar agentx.jar install-comfyui ~/ComfyUI",
        "      adds the AgentX panel to ComfyUI's sidebar (see install-comfyui --help)",
        "  java -jar agentx.jar class-archive",
        "      writes agentx.jsa beside the jar; java -XX:SharedArchiveFile=agentx.jsa -jar agentx.jar then starts faster",
        ""},
    sortOptions = false)
public final class Main implements Callable<Integer> {

  @Option(names = "--host", description = "Interface to bind (default 127.0.0.1; AGENTX_HOST).")
  String host;

  @Option(names = "--port", description = "HTTP port (default 8000, 0 = any free port; AGENTX_PORT).")
  Integer port;

  @Option(names = "--log-level", description = "TRACE, DEBUG, INFO, WARN or ERROR (default INFO; AGENTX_LOG_LEVEL).")
  String logLevel;

  @Option(names = "--config", description = "JSON config file (default conf/config.json when present).")
  Path configFile;

  @Option(names = "--cluster", description = "Join a Vert.x cluster over Hazelcast (AGENTX_CLUSTER).")
  Boolean cluster;

  @Option(names = "--roles", description = "Verticles to run on this node: api,engine,store,tools (default all; AGENTX_ROLES).")
  String roles;

  public static void main(String[] args) {
    // Netty 4.2's buffer allocator registers JFR events on its first allocation, which starts JFR's
    // machinery in every process (about 0.2 s of start-up); a recording started with -XX:StartFlightRecording
    // still records the JVM's own events. -Dio.netty.jfr.enabled=true brings Netty's back.
    if (System.getProperty("io.netty.jfr.enabled") == null) {
      System.setProperty("io.netty.jfr.enabled", "false");
    }
    Main server = ServerArgs.parse(args);
    int exit;
    if (server != null) {
      Preload.start();
      try {
        exit = server.call();
      } catch (Exception e) {
        System.err.println("agentx: " + e.getMessage());
        exit = 1;
      }
    } else {
      exit = new CommandLine(new Main()).execute(args);
    }
    if (exit != 0) {
      System.exit(exit);
    }
  }

  @Override
  public Integer call() throws Exception {
    AgentXConfig config;
    try {
      config = AgentXConfig.load(System.getenv(), Path.of("").toAbsolutePath(), configFile)
          .with(AgentXConfig.HOST, host)
          .with(AgentXConfig.PORT, port)
          .with(AgentXConfig.LOG_LEVEL, logLevel)
          .with(AgentXConfig.CLUSTER, cluster)
          .with(AgentXConfig.ROLES, roles);
      config.database();
      if (config.list(AgentXConfig.ROLES).contains("store")) {
        config.storeDatabase();
      }
    } catch (IllegalArgumentException e) {
      System.err.println("agentx: " + e.getMessage());
      return 2;
    }
    setLogLevel(config.string(AgentXConfig.LOG_LEVEL));
    Logger log = LoggerFactory.getLogger(Main.class);
    log.debug("Configuration: {}", config);

    AgentX agentx;
    try {
      agentx = Launch.start(config).toCompletionStage().toCompletableFuture().get();
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (cause instanceof IllegalArgumentException || cause instanceof IllegalStateException) {
        // a sentence for the operator (a setting, a database it cannot use): its stack trace tells them nothing
        log.error("AgentX failed to start: {}", cause.getMessage());
        log.debug("Start-up failure", cause);
      } else {
        log.error("AgentX failed to start: {}", cause.getMessage(), cause);
      }
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("Stopping AgentX");
      try {
        agentx.close().toCompletionStage().toCompletableFuture().get();
      } catch (Exception ignored) {
        // shutting down anyway
      }
      stopped.countDown();
    }, "agentx-shutdown"));
    stopped.await();
    return 0;
  }

  static void setLogLevel(String level) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
    }
  }
}
