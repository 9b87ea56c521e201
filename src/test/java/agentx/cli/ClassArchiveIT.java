package agentx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.ServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar agentx.jar class-archive} against the built jar: it writes an archive, and a server
 * started with it ({@code -Xshare:on}, so a JVM that cannot map it refuses to start) loads its own
 * classes from the archive and answers a healthy {@code /health} on an existing database.
 */
class ClassArchiveIT {
  private static final Path JAR = Path.of("target", "agentx.jar");

  @TempDir Path dir;

  @Test
  @DisplayName("class-archive writes an archive a later start maps its classes from")
  void archiveIsWrittenAndUsed() throws Exception {
    Path archive = dir.resolve("archives").resolve("agentx.jsa");
    try (ServerProcess writer = ServerProcess.startJar("class-archive", JAR, dir, Map.of(),
        Pattern.compile("^Wrote |agentx class-archive:"), "class-archive", "--file", archive.toString())) {
      assertThat(writer.output()).as(writer.log()).anyMatch(line -> line.startsWith("Wrote " + archive.toAbsolutePath()));
    }
    assertThat(archive).isRegularFile();
    assertThat(Files.size(archive)).as("an archive with the start's classes").isGreaterThan(1 << 20);

    Path classes = dir.resolve("classes.log");
    Map<String, String> env = Map.of(
        "AGENTX_DATABASE_URL", "jdbc:sqlite:" + dir.resolve("agentx.db"),
        "COMFYUI_URL", "http://127.0.0.1:9");
    List<String> flags = List.of("-Xshare:on", "-XX:SharedArchiveFile=" + archive, "-Xlog:class+load=info:file=" + classes);
    try (ServerProcess server = ServerProcess.startJar("server", flags, JAR, dir, env, ServerProcess.STARTED, "--port", "0")) {
      HttpResponse<String> health = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
      assertThat(health.body()).contains("\"status\":\"healthy\"");
    }
    String loaded = Files.readString(classes);
    assertThat(loaded).contains("agentx.cli.Main source: shared objects file (top)",
        "agentx.store.PersistenceVerticle source: shared objects file (top)",
        "io.vertx.core.impl.VertxImpl source: shared objects file (top)");
  }
}
