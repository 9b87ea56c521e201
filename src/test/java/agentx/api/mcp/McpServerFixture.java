package agentx.api.mcp;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;

/** A real Vert.x HTTP server on a free port with the MCP endpoint mounted. */
public final class McpServerFixture {
  final McpHttpHandler handler;
  public final HttpServer server;

  private McpServerFixture(McpHttpHandler handler, HttpServer server) {
    this.handler = handler;
    this.server = server;
  }

  public static McpServerFixture start(Vertx vertx, ToolGateway gateway, McpServerOptions options) throws Exception {
    McpHttpHandler handler = new McpHttpHandler(vertx, gateway, options);
    Router router = Router.router(vertx);
    handler.mount(router);
    HttpServer server = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    return new McpServerFixture(handler, server);
  }

  public int port() {
    return server.actualPort();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  /** Blocks the test thread (never an event loop) for a future, at most 15 s. */
  public static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }
}
