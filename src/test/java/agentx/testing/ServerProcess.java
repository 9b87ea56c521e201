package agentx.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server as a separate JVM, for what only a real process shows: {@code kill -9}, start-up from
 * the command line, a cluster of {@code java -jar} nodes. Either the CLI main on the test classpath
 * ({@link #start}) or the built fat jar ({@link #startJar}). A process is ready when it prints its
 * readiness line; the HTTP port is read from "HTTP API listening on …" when the node has the api role.
 */
public final class ServerProcess implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("HTTP API listening on http://[^:]+:(\\d+)");
  /** What {@code AgentX} logs once every verticle of the node's roles is deployed. */
  public static final Pattern STARTED = Pattern.compile("AgentX started with roles");

  private final String name;
  private final Process process;
  private final List<String> output;
  private volatile int port = -1;

  private ServerProcess(String name, Process process, List<String> output) {
    this.name = name;
    this.process = process;
    this.output = output;
  }

  /** Starts {@code agentx.cli.Main} from the test classpath with {@code env} in {@code workDir} and waits until it listens. */
  public static ServerProcess start(Path workDir, Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("-cp", System.getProperty("java.class.path"), "agentx.cli.Main", "--port", "0"));
    command.addAll(List.of(args));
    return launch("server", command, workDir, env, LISTENING);
  }

  /**
   * Starts {@code java -jar jar args} with {@code env} in {@code workDir} and waits until it prints
   * a line matching {@code ready}. {@code name} prefixes its output in failure messages.
   */
  public static ServerProcess startJar(String name, Path jar, Path workDir, Map<String, String> env, Pattern ready, String... args)
      throws Exception {
    return startJar(name, List.of(), jar, workDir, env, ready, args);
  }

  /** As {@link #startJar(String, Path, Path, Map, Pattern, String...)}, with {@code jvmFlags} after the test flags. */
  public static ServerProcess startJar(String name, List<String> jvmFlags, Path jar, Path workDir, Map<String, String> env,
      Pattern ready, String... args) throws Exception {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run ./mvnw package (or verify) first");
    }
    List<String> command = new ArrayList<>(jvmFlags);
    command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
    command.addAll(List.of(args));
    return launch(name, command, workDir, env, ready);
  }

  private static ServerProcess launch(String name, List<String> javaArgs, Path workDir, Map<String, String> env, Pattern ready)
      throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    command.addAll(javaArgs);
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("AGENTX_") || k.startsWith("ANTHROPIC_"));
    builder.environment().putAll(env);
    Process process = builder.start();
    List<String> output = Collections.synchronizedList(new ArrayList<>());
    ServerProcess server = new ServerProcess(name, process, output);
    // a test JVM that dies before its @AfterAll must not leave servers behind
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "stop-" + name));
    CompletableFuture<Void> started = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          output.add(line);
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            server.port = Integer.parseInt(m.group(1));
          }
          if (ready.matcher(line).find()) {
            started.complete(null);
          }
        }
      } catch (IOException ignored) {
        // the process went away
      }
      started.completeExceptionally(new IllegalStateException(name + " exited before it was ready:\n" + server.log()));
    }, name + "-output");
    reader.setDaemon(true);
    reader.start();
    try {
      started.get(90, TimeUnit.SECONDS);
    } catch (Exception e) {
      process.destroyForcibly();
      throw new IllegalStateException(name + " did not get ready: " + e.getMessage() + "\n" + server.log(), e);
    }
    return server;
  }

  /** The HTTP port, or -1 when the node has no api role. */
  public int port() {
    return port;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public List<String> output() {
    synchronized (output) {
      return List.copyOf(output);
    }
  }

  /** The output so far, each line prefixed with the process name: for failure messages. */
  public String log() {
    StringBuilder sb = new StringBuilder();
    for (String line : output()) {
      sb.append('[').append(name).append("] ").append(line).append('\n');
    }
    return sb.toString();
  }

  /** SIGKILL: no shutdown hook, no flush, exactly what a crash does. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /**
   * SIGTERM, as an operator's stop: the server's shutdown hook runs. Sent through the process's handle, not
   * {@code Process.destroy()}, which also closes the pipes first, so the server's last lines (its stop, what
   * it did with its turns) would be written into a closed pipe and lost.
   */
  @Override
  public void close() throws InterruptedException {
    process.toHandle().destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      kill9();
    }
  }
}
