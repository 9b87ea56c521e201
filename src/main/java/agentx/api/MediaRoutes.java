package agentx.api;

import static agentx.api.Requests.sessionId;

import agentx.config.Urls;
import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.protocol.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/agentx/sessions/{id}/media?filename=&subfolder=&type=}: a ComfyUI output (image,
 * video, audio) through the runtime, so a browser never needs ComfyUI's address and the API token
 * guards it. Proxied from ComfyUI's {@code /view}; only plain file names inside ComfyUI's own
 * output, input and temp folders, and at most {@link #MAX_BYTES}.
 *
 * <p>The file is served from the runtime's own origin, where the pages keep the API token, and
 * ComfyUI types it by its name: an HTML or SVG file anyone put in ComfyUI's input folder would run
 * its scripts there. So only raster images, videos and sounds keep their type and show inline;
 * anything else is {@code application/octet-stream} and a download ({@code Content-Disposition:
 * attachment}), and every answer carries {@code Content-Security-Policy: sandbox} (a document opened
 * from it gets no scripts and no origin) and {@code nosniff}.
 */
final class MediaRoutes {
  private static final Logger log = LoggerFactory.getLogger(MediaRoutes.class);
  static final long MAX_BYTES = 200L * 1024 * 1024;
  private static final Set<String> TYPES = Set.of("output", "input", "temp");
  private static final Pattern SAFE_NAME = Pattern.compile("[^/\\\\\\x00-\\x1f]{1,255}");
  private static final long TIMEOUT_MS = 30_000;
  /** Types shown inline: raster images (not SVG, which is a document with scripts), videos, sounds. */
  private static final Pattern INLINE_TYPE = Pattern.compile("(image/(png|jpeg|gif|webp|bmp|avif)|video/[a-z0-9.+-]+|audio/[a-z0-9.+-]+)");

  private final StoreClient store;
  private final HttpClient http;
  private final URI comfy;

  MediaRoutes(Vertx vertx, StoreClient store, String comfyUiUrl) {
    this.store = store;
    this.comfy = URI.create(comfyUiUrl.endsWith("/") ? comfyUiUrl : comfyUiUrl + "/");
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000).setIdleTimeout(30));
  }

  void mount(Router api) {
    api.get("/sessions/:id/media").handler(this::media);
  }

  private void media(RoutingContext ctx) {
    Routes.run(ctx, () -> {
      String id = sessionId(ctx);
      String filename = ctx.queryParams().get("filename");
      String subfolder = ctx.queryParams().get("subfolder") == null ? "" : ctx.queryParams().get("subfolder");
      String type = ctx.queryParams().get("type") == null ? "output" : ctx.queryParams().get("type");
      if (filename == null || !SAFE_NAME.matcher(filename).matches() || filename.equals("..") || filename.equals(".")) {
        throw Requests.invalid("filename must be a plain file name (no folders).");
      }
      if (!subfolder.isEmpty() && (subfolder.startsWith("/") || subfolder.contains("\\") || subfolder.contains("\u0000")
          || java.util.Arrays.asList(subfolder.split("/")).contains(".."))) {
        throw Requests.invalid("subfolder must be a folder inside ComfyUI's " + type + " folder.");
      }
      if (!TYPES.contains(type)) {
        throw Requests.invalid("type must be output, input or temp.");
      }
      return store.session(id).compose(s -> proxy(ctx, filename, subfolder, type));
    });
  }

  private Future<Void> proxy(RoutingContext ctx, String filename, String subfolder, String type) {
    String query = "view?filename=" + enc(filename) + "&subfolder=" + enc(subfolder) + "&type=" + enc(type);
    URI target = comfy.resolve(query);
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(target.toString()).setTimeout(TIMEOUT_MS);
    return http.request(options)
        .compose(request -> request.send())
        .recover(e -> Future.failedFuture(new AgentXException(ErrorCode.SERVICE_UNAVAILABLE,
            "ComfyUI at " + Urls.withoutCredentials(comfy.toString()) + " could not be reached for this file: " + e.getMessage())))
        .compose(response -> {
          if (response.statusCode() == 404) {
            return response.body().compose(b -> Future.failedFuture(new AgentXException(ErrorCode.NOT_FOUND,
                "ComfyUI has no file " + filename + " in its " + type + " folder" + (subfolder.isEmpty() ? "" : "/" + subfolder) + ".")));
          }
          if (response.statusCode() != 200) {
            return response.body().compose(b -> Future.failedFuture(new AgentXException(ErrorCode.SERVICE_UNAVAILABLE,
                "ComfyUI answered " + response.statusCode() + " for " + filename + ".")));
          }
          String length = response.getHeader("Content-Length");
          if (length != null && Long.parseLong(length) > MAX_BYTES) {
            response.request().reset();
            return Future.failedFuture(new AgentXException(ErrorCode.PAYLOAD_TOO_LARGE, filename + " is larger than "
                + MAX_BYTES / (1024 * 1024) + " MB."));
          }
          String contentType = inlineType(response.getHeader("Content-Type"));
          if (contentType == null) {
            ctx.response().putHeader("Content-Type", "application/octet-stream")
                .putHeader("Content-Disposition", "attachment; filename*=UTF-8''" + headerEncoded(filename));
          } else {
            ctx.response().putHeader("Content-Type", contentType);
          }
          ctx.response().putHeader("Cache-Control", "private, max-age=3600")
              .putHeader("X-Content-Type-Options", "nosniff")
              .putHeader("Content-Security-Policy", "sandbox");
          if (length != null) {
            ctx.response().putHeader("Content-Length", length);
          } else {
            ctx.response().setChunked(true);
          }
          return relay(response, ctx.response(), filename);
        });
  }

  /**
   * ComfyUI's body to the client at the client's pace (ComfyUI's side is paused while the client's write queue is
   * full, so a slow client holds a socket buffer, not the file), at most {@link #MAX_BYTES}. Once the head is sent
   * an error cannot be answered as JSON: the client's connection is reset instead, and the future still succeeds.
   */
  private static Future<Void> relay(HttpClientResponse in, HttpServerResponse out, String filename) {
    Promise<Void> done = Promise.promise();
    long[] seen = {0};
    out.closeHandler(v -> {
      // the client went away: stop reading ComfyUI
      if (done.tryComplete()) {
        in.request().reset();
      }
    });
    in.exceptionHandler(e -> {
      if (done.tryComplete()) {
        log.debug("ComfyUI's {} broke off after its head: {}", filename, e.getMessage());
        out.reset();
      }
    });
    in.handler(chunk -> {
      seen[0] += chunk.length();
      if (seen[0] > MAX_BYTES) {
        if (done.tryComplete()) {
          log.debug("ComfyUI's {} goes past {} bytes: cut off", filename, MAX_BYTES);
          in.request().reset();
          out.reset();
        }
        return;
      }
      out.write(chunk);
      if (out.writeQueueFull()) {
        in.pause();
        out.drainHandler(v -> in.resume());
      }
    });
    in.endHandler(v -> {
      if (done.tryComplete()) {
        out.end();
      }
    });
    return done.future();
  }

  /** ComfyUI's type for the file when it may be shown inline (see the class comment), else null. */
  private static String inlineType(String contentType) {
    if (contentType == null) {
      return null;
    }
    String type = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
    return INLINE_TYPE.matcher(type).matches() ? type : null;
  }

  /** A file name as RFC 5987 wants it in {@code filename*}: UTF-8, every byte outside its few safe characters escaped. */
  private static String headerEncoded(String filename) {
    return enc(filename).replace("+", "%20").replace("*", "%2A");
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  Future<Void> close() {
    return http.close();
  }

}
