package agentx.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The browser side of a ComfyUI for the panel's browser test, mounted on {@link FakeComfyUi} so the
 * page and the API share one origin as in ComfyUI: {@code /} and {@code /scripts/app.js} (a small
 * test frontend, src/test/resources/comfy-frontend), {@code /litegraph/*} (@comfyorg/litegraph from
 * src/test/node/node_modules), and the custom nodes' web files the way ComfyUI serves them:
 * {@code /api/extensions} lists every .js file under each custom node's {@code WEB_DIRECTORY}
 * (read from its __init__.py) as {@code /extensions/<node>/<path>}, served from there.
 */
public final class ComfyFrontendStub {
  private static final Pattern WEB_DIRECTORY = Pattern.compile("(?m)^WEB_DIRECTORY\\s*=\\s*[\"']([^\"']+)[\"']");

  private ComfyFrontendStub() {}

  public static void mount(Router router, Path customNodes, Path litegraphDist) {
    router.get("/").handler(ctx -> ctx.reroute("/index.html"));
    router.get("/index.html").handler(StaticHandler.create("comfy-frontend").setCachingEnabled(false));
    router.get("/scripts/*").handler(StaticHandler.create("comfy-frontend/scripts").setCachingEnabled(false));
    router.get("/test/*").handler(StaticHandler.create("comfyui").setCachingEnabled(false));
    router.get("/litegraph/*").handler(StaticHandler.create(FileSystemAccess.ROOT, litegraphDist.toString()));
    router.get("/api/extensions").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
        .end(extensions(customNodes).encode()));
    router.get("/extensions/:node/*").handler(ctx -> {
      Path web = webDirectory(customNodes.resolve(ctx.pathParam("node")));
      String rest = ctx.pathParam("*");
      Path file = web == null ? null : web.resolve(rest).normalize();
      if (file == null || !file.startsWith(web) || !Files.isRegularFile(file)) {
        ctx.response().setStatusCode(404).end();
        return;
      }
      ctx.response().putHeader("Content-Type", "text/javascript").putHeader("Cache-Control", "no-cache")
          .sendFile(file.toString());
    });
  }

  static JsonArray extensions(Path customNodes) {
    JsonArray urls = new JsonArray();
    try (Stream<Path> nodes = Files.list(customNodes)) {
      for (Path node : nodes.sorted().toList()) {
        Path web = webDirectory(node);
        if (web == null || !Files.isDirectory(web)) {
          continue;
        }
        try (Stream<Path> files = Files.walk(web)) {
          files.filter(f -> f.toString().endsWith(".js")).sorted().forEach(f ->
              urls.add("/extensions/" + node.getFileName() + "/" + web.relativize(f).toString().replace('\\', '/')));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return urls;
  }

  private static Path webDirectory(Path node) {
    try {
      Path init = node.resolve("__init__.py");
      if (!Files.isRegularFile(init)) {
        return null;
      }
      Matcher m = WEB_DIRECTORY.matcher(Files.readString(init));
      return m.find() ? node.resolve(m.group(1)).normalize() : null;
    } catch (IOException e) {
      return null;
    }
  }
}
