package agentx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import agentx.events.Metrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.MultiMap;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import io.vertx.micrometer.MicrometerMetricsFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Micrometer's HTTP server meters, as the runtime builds them, for a connection Vert.x accepted before it had made them. */
class ServerMetricsGuardTest {
  private static final SocketAddress SERVER = SocketAddress.inetSocketAddress(8000, "127.0.0.1");
  private static final SocketAddress CLIENT = SocketAddress.inetSocketAddress(40000, "127.0.0.1");

  private static final HttpRequest REQUEST = new HttpRequest() {
    public int id() {
      return 1;
    }

    public String uri() {
      return "/health";
    }

    public String absoluteURI() {
      return "http://127.0.0.1:8000/health";
    }

    public HttpMethod method() {
      return HttpMethod.GET;
    }

    public MultiMap headers() {
      return MultiMap.caseInsensitiveMultiMap();
    }

    public SocketAddress remoteAddress() {
      return CLIENT;
    }
  };

  private static final HttpResponse OK = new HttpResponse() {
    public int statusCode() {
      return 200;
    }

    public MultiMap headers() {
      return MultiMap.caseInsensitiveMultiMap();
    }
  };

  @SuppressWarnings("unchecked")
  private static HttpServerMetrics<Object, Object, Object> serverMetrics(io.vertx.core.spi.VertxMetricsFactory factory) {
    VertxMetrics metrics = factory.metrics(new VertxOptions().setMetricsOptions(AgentX.metricsOptions()));
    return (HttpServerMetrics<Object, Object, Object>) metrics.createHttpServerMetrics(new HttpServerOptions(), SERVER);
  }

  @Test
  @DisplayName("a request on a connection without a meter is served (no exception) and left out; one with a meter is counted as before")
  void connectionWithoutMeter() {
    PrometheusMeterRegistry registry = Metrics.newRegistry();
    HttpServerMetrics<Object, Object, Object> bare = serverMetrics(new MicrometerMetricsFactory(registry));
    // what Vert.x 5.0.7 does with Micrometer alone: the request dies inside Vert.x, never dispatched
    assertThatThrownBy(() -> bare.requestBegin(null, REQUEST)).isInstanceOf(NullPointerException.class);

    HttpServerMetrics<Object, Object, Object> guarded = serverMetrics(new ServerMetricsGuard(new MicrometerMetricsFactory(registry)));
    Object unmetered = guarded.requestBegin(null, REQUEST);
    assertThat(unmetered).isNull();
    guarded.requestRouted(unmetered, "/health");
    guarded.requestEnd(unmetered, REQUEST, 0);
    guarded.responseBegin(unmetered, OK);
    guarded.responseEnd(unmetered, OK, 2);
    guarded.bytesRead(null, CLIENT, 100);
    guarded.disconnected(null, CLIENT);
    assertThat(guarded.connected(null, unmetered, null)).isNull();
    assertThat(registry.scrape()).doesNotContain("vertx_http_server_requests_total{");

    Object socket = guarded.connected(CLIENT, "127.0.0.1");
    Object request = guarded.requestBegin(socket, REQUEST);
    guarded.requestRouted(request, "/health");
    guarded.requestEnd(request, REQUEST, 0);
    guarded.responseBegin(request, OK);
    guarded.responseEnd(request, OK, 2);
    guarded.disconnected(socket, CLIENT);
    assertThat(registry.scrape()).containsPattern("vertx_http_server_requests_total\\{[^}]*code=\"200\"[^}]*\\} 1\\.0");
  }
}
