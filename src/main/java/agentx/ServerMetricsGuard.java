package agentx;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;

/**
 * Vert.x's meters with one hole closed: a connection accepted in the moment between the HTTP server's
 * bind and the creation of its meters (Vert.x 5.0.7's {@code NetServerImpl} creates them in the bind's
 * listener, after the socket accepts) has no connection meter, and Micrometer's HTTP server meters
 * then throw a {@link NullPointerException} for each of its requests inside Vert.x, which never
 * dispatches them: the client waits until its own timeout. Four clients polling {@code /health} while
 * the server started hit it once in twenty starts (a request that hung until curl gave up); a browser
 * reconnecting to a restarting server, or a load balancer's probe, can too. This factory hands Vert.x
 * Micrometer's meters unchanged, except that the HTTP server's skip a connection, request or WebSocket
 * that has no meter: such a connection is served and left out of {@code vertx_http_server_*}.
 */
final class ServerMetricsGuard implements VertxMetricsFactory {
  private final VertxMetricsFactory delegate;

  ServerMetricsGuard(VertxMetricsFactory delegate) {
    this.delegate = delegate;
  }

  @Override
  public VertxMetrics metrics(VertxOptions options) {
    VertxMetrics metrics = delegate.metrics(options);
    return new VertxMetrics() {
      @Override
      public EventBusMetrics<?> createEventBusMetrics() {
        return metrics.createEventBusMetrics();
      }

      @Override
      public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions serverOptions, SocketAddress localAddress) {
        HttpServerMetrics<?, ?, ?> server = metrics.createHttpServerMetrics(serverOptions, localAddress);
        return server == null ? null : guarded(server);
      }

      @Override
      public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remoteAddress, String type, String namespace) {
        return metrics.createClientMetrics(remoteAddress, type, namespace);
      }

      @Override
      public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(HttpClientOptions clientOptions) {
        return metrics.createHttpClientMetrics(clientOptions);
      }

      @Override
      public TCPMetrics<?> createNetServerMetrics(NetServerOptions serverOptions, SocketAddress localAddress) {
        return metrics.createNetServerMetrics(serverOptions, localAddress);
      }

      @Override
      public TCPMetrics<?> createNetClientMetrics(NetClientOptions clientOptions) {
        return metrics.createNetClientMetrics(clientOptions);
      }

      @Override
      public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions socketOptions) {
        return metrics.createDatagramSocketMetrics(socketOptions);
      }

      @Override
      public PoolMetrics<?, ?> createPoolMetrics(String poolType, String poolName, int maxPoolSize) {
        return metrics.createPoolMetrics(poolType, poolName, maxPoolSize);
      }

      @Override
      public void vertxCreated(Vertx vertx) {
        metrics.vertxCreated(vertx);
      }

      @Override
      public boolean isMetricsEnabled() {
        return metrics.isMetricsEnabled();
      }

      @Override
      public void close() {
        metrics.close();
      }
    };
  }

  static <R, W, S> HttpServerMetrics<R, W, S> guarded(HttpServerMetrics<R, W, S> metrics) {
    return new HttpServerMetrics<>() {
      @Override
      public R requestBegin(S socketMetric, HttpRequest request) {
        return socketMetric == null ? null : metrics.requestBegin(socketMetric, request);
      }

      @Override
      public void requestEnd(R requestMetric, HttpRequest request, long bytesRead) {
        if (requestMetric != null) {
          metrics.requestEnd(requestMetric, request, bytesRead);
        }
      }

      @Override
      public void requestReset(R requestMetric) {
        if (requestMetric != null) {
          metrics.requestReset(requestMetric);
        }
      }

      @Override
      public void responseBegin(R requestMetric, HttpResponse response) {
        if (requestMetric != null) {
          metrics.responseBegin(requestMetric, response);
        }
      }

      @Override
      public R responsePushed(S socketMetric, HttpMethod method, String uri, HttpResponse response) {
        return socketMetric == null ? null : metrics.responsePushed(socketMetric, method, uri, response);
      }

      @Override
      public void responseEnd(R requestMetric, HttpResponse response, long bytesWritten) {
        if (requestMetric != null) {
          metrics.responseEnd(requestMetric, response, bytesWritten);
        }
      }

      @Override
      public W connected(S socketMetric, R requestMetric, ServerWebSocket serverWebSocket) {
        return socketMetric == null || requestMetric == null ? null : metrics.connected(socketMetric, requestMetric, serverWebSocket);
      }

      @Override
      public void disconnected(W webSocketMetric) {
        if (webSocketMetric != null) {
          metrics.disconnected(webSocketMetric);
        }
      }

      @Override
      public void requestRouted(R requestMetric, String route) {
        if (requestMetric != null) {
          metrics.requestRouted(requestMetric, route);
        }
      }

      @Override
      public S connected(SocketAddress remoteAddress, String remoteName) {
        return metrics.connected(remoteAddress, remoteName);
      }

      @Override
      public void disconnected(S socketMetric, SocketAddress remoteAddress) {
        if (socketMetric != null) {
          metrics.disconnected(socketMetric, remoteAddress);
        }
      }

      @Override
      public void bytesRead(S socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
        if (socketMetric != null) {
          metrics.bytesRead(socketMetric, remoteAddress, numberOfBytes);
        }
      }

      @Override
      public void bytesWritten(S socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
        if (socketMetric != null) {
          metrics.bytesWritten(socketMetric, remoteAddress, numberOfBytes);
        }
      }

      @Override
      public void exceptionOccurred(S socketMetric, SocketAddress remoteAddress, Throwable t) {
        if (socketMetric != null) {
          metrics.exceptionOccurred(socketMetric, remoteAddress, t);
        }
      }

      @Override
      public void close() {
        metrics.close();
      }
    };
  }
}
