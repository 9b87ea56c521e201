package agentx.bench;

import io.vertx.core.Vertx;

/**
 * The start-up floor: a bare Vert.x HTTP server answering {@code GET /health} with
 * {@code {"status":"healthy"}}, started by the benchmark from the runtime's own fat jar (plus this
 * class), with the runtime's JVM flags. Its launch → first healthy answer is what any Vert.x server
 * costs on the machine at that hour (the JVM, Vert.x and Netty loading and starting, a port bound):
 * the runtime's start-up is read against it, as its events/s are read against the relay's. Netty's JFR
 * events are off, as the runtime's {@code Main} turns them off.
 *
 * <pre>java -cp target/agentx.jar:target/test-classes agentx.bench.StartupFloor PORT</pre>
 */
public final class StartupFloor {
  private StartupFloor() {}

  public static void main(String[] args) {
    if (System.getProperty("io.netty.jfr.enabled") == null) {
      System.setProperty("io.netty.jfr.enabled", "false");
    }
    int port = Integer.parseInt(args[0]);
    Vertx vertx = Vertx.vertx();
    vertx.createHttpServer()
        .requestHandler(request -> {
          if ("/health".equals(request.path())) {
            request.response().putHeader("Content-Type", "application/json").end("{\"status\":\"healthy\"}");
          } else {
            request.response().setStatusCode(404).end();
          }
        })
        .listen(port, "127.0.0.1")
        .onFailure(e -> {
          System.err.println("start-up floor: " + e);
          System.exit(1);
        });
  }
}
