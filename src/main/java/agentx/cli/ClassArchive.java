package agentx.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar agentx.jar class-archive}: writes a class-data archive for this jar and this JVM, so
 * that later starts map the classes a start needs instead of reading, parsing and verifying them
 * (Java's application class-data sharing). It starts the server once in a child JVM with
 * {@code -XX:ArchiveClassesAtExit} on an empty SQLite file in a temporary folder (none of the caller's
 * settings: no database, cluster or Claude key of theirs is touched), waits for a healthy
 * {@code /health}, stops it, and moves the archive into place. {@code java -jar} cannot give itself the
 * JVM flag that uses it, so a start that wants it says {@code -XX:SharedArchiveFile=<file>}; a JVM
 * that finds the archive stale (another jar or JVM) warns and starts without it.
 */
@Command(name = "class-archive", mixinStandardHelpOptions = true,
    description = {
        "Writes a class-data archive for this agentx.jar and this Java, for a faster start: it starts the server "
            + "once in a child JVM on a temporary SQLite file (none of your settings are used), waits until it is "
            + "healthy and stops it. Start the server with the archive afterwards:",
        "",
        "  java -XX:SharedArchiveFile=target/agentx.jsa -jar target/agentx.jar",
        "",
        "Write it again after rebuilding the jar or changing Java: a stale archive is ignored with a warning.",
        ""})
final class ClassArchive implements Callable<Integer> {
  static final long HEALTHY_WITHIN_MS = 120_000;

  @Option(names = "--file", paramLabel = "FILE",
      description = "Where to write it (default: agentx.jsa beside the jar).")
  Path file;

  @Override
  public Integer call() {
    try {
      Path jar = ownJar();
      Path target = (file != null ? file : jar.resolveSibling("agentx.jsa")).toAbsolutePath();
      long started = System.nanoTime();
      System.out.println("Starting the server once (a child JVM on a temporary SQLite file) to record the classes a start loads...");
      long bytes = write(jar, target);
      System.out.printf("Wrote %s (%,d KB) in %.1f s for %s and Java %s.%n", target, bytes / 1024,
          (System.nanoTime() - started) / 1e9, jar, System.getProperty("java.vm.version"));
      System.out.println("Start the server with it:");
      System.out.println("  java -XX:SharedArchiveFile=" + target + " -jar " + jar);
      return 0;
    } catch (ArchiveException e) {
      System.err.println("agentx class-archive: " + e.getMessage());
      return 1;
    }
  }

  /** The fat jar this class was loaded from. */
  static Path ownJar() throws ArchiveException {
    try {
      Path jar = Path.of(ClassArchive.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (!Files.isRegularFile(jar)) {
        throw new ArchiveException("run it from the jar (java -jar agentx.jar class-archive), not from " + jar);
      }
      return jar;
    } catch (URISyntaxException | SecurityException e) {
      throw new ArchiveException("cannot tell which jar this is: " + e.getMessage());
    }
  }

  /** Starts {@code jar} once with the archive flag, stops it when healthy; returns the archive's size. */
  static long write(Path jar, Path target) throws ArchiveException {
    Path folder = target.toAbsolutePath().getParent();
    try {
      Files.createDirectories(folder);
    } catch (IOException e) {
      throw cannotWrite(target, e);
    }
    if (!Files.isWritable(folder)) {
      throw new ArchiveException("cannot write " + target + ": " + folder + " is not writable; choose another place with --file");
    }
    Path work;
    try {
      work = Files.createTempDirectory("agentx-class-archive");
    } catch (IOException e) {
      throw new ArchiveException("no temporary folder: " + e.getMessage());
    }
    Path archive = work.resolve("agentx.jsa");
    Path log = work.resolve("server.log");
    Process server = null;
    try {
      int port = freePort();
      List<String> command = new ArrayList<>(List.of(javaBinary(), "-XX:ArchiveClassesAtExit=" + archive,
          "-jar", jar.toString(), "--host", "127.0.0.1", "--port", String.valueOf(port)));
      ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
          .redirectErrorStream(true).redirectOutput(log.toFile());
      Map<String, String> env = builder.environment();
      env.keySet().removeIf(name -> name.startsWith("AGENTX_") || name.startsWith("ANTHROPIC_") || name.startsWith("COMFYUI_"));
      env.put("AGENTX_DATABASE_URL", "jdbc:sqlite:" + work.resolve("training.db"));
      // a closed port: the health probe fails fast instead of reaching a real ComfyUI
      env.put("COMFYUI_URL", "http://127.0.0.1:9");
      server = builder.start();
      awaitHealthy(server, port, log);
      server.destroy(); // SIGTERM: the server stops as on Ctrl-C, and the JVM writes the archive as it exits
      if (!server.waitFor(60, TimeUnit.SECONDS)) {
        throw new ArchiveException("the server did not stop within 60 s; its output: " + tail(log));
      }
      if (!Files.isRegularFile(archive) || Files.size(archive) == 0) {
        throw new ArchiveException("the JVM wrote no archive (exit " + server.exitValue() + "); its output: " + tail(log));
      }
      try {
        Files.move(archive, target, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw cannotWrite(target, e);
      }
      return Files.size(target);
    } catch (IOException e) {
      throw new ArchiveException(e.getClass().getSimpleName() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ArchiveException("interrupted");
    } finally {
      if (server != null && server.isAlive()) {
        server.destroyForcibly();
      }
      deleteTree(work);
    }
  }

  private static ArchiveException cannotWrite(Path target, IOException e) {
    return new ArchiveException("cannot write " + target + " (" + e.getClass().getSimpleName() + ": " + e.getMessage()
        + "); choose another place with --file");
  }

  private static void awaitHealthy(Process server, int port, Path log) throws ArchiveException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HEALTHY_WITHIN_MS);
    while (!healthy(port)) {
      if (!server.isAlive()) {
        throw new ArchiveException("the server exited (" + server.exitValue() + ") before it was healthy; its output: " + tail(log));
      }
      if (System.nanoTime() > deadline) {
        throw new ArchiveException("the server was not healthy within " + HEALTHY_WITHIN_MS / 1000 + " s; its output: " + tail(log));
      }
      Thread.sleep(50);
    }
  }

  private static boolean healthy(int port) {
    try {
      HttpURLConnection health = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/health").toURL().openConnection();
      health.setConnectTimeout(1_000);
      health.setReadTimeout(5_000);
      try (InputStream in = health.getResponseCode() == 200 ? health.getInputStream() : null) {
        return in != null && new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("\"status\":\"healthy\"");
      } finally {
        health.disconnect();
      }
    } catch (IOException notYet) {
      return false;
    }
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return "\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  private static void deleteTree(Path folder) {
    try (Stream<Path> paths = Files.walk(folder)) {
      paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary folder left behind
    }
  }

  /** Why no archive was written, in a sentence for the user. */
  static final class ArchiveException extends Exception {
    ArchiveException(String message) {
      super(message);
    }
  }
}
