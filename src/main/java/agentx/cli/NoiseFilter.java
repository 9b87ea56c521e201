package agentx.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.List;
import org.slf4j.Marker;

/**
 * Drops the log lines of libraries that say nothing an operator can act on:
 *
 * <ul>
 *   <li>vertx-web's event-bus bridge logs every SockJS socket exception at ERROR with its stack
 *       trace, a message over {@code AGENTX_MAX_WS_MESSAGE_BYTES} included, so one page could fill
 *       the log by reconnecting and sending one again and again. The bridge closes such a socket
 *       itself and says so at DEBUG ({@code agentx.api.EventBusBridge}).
 *   <li>Micrometer warns once per meter registry when a gauge is registered again; vertx-micrometer
 *       registers its gauges (active connections, pending pool requests) once per server and pool on
 *       purpose and gets the same counter back (vert-x3/vertx-micrometer-metrics#259), so the first
 *       requests of every run logged a WARN about {@code vertx.http.server.active.connections}.
 * </ul>
 */
final class NoiseFilter extends TurboFilter {
  static final String BRIDGE_LOGGER = "io.vertx.ext.web.handler.sockjs.impl.EventBusBridgeImpl";
  static final String SOCKET_EXCEPTION = "SockJSSocket exception";
  static final String METER_REGISTRY_LOGGER = "io.micrometer.core.instrument.MeterRegistry";
  static final String GAUGE_REGISTERED_AGAIN = "This Gauge has been already registered";

  /** A logger and the start of the message format it is not to log. */
  private record Noise(String logger, String formatStart) {
    boolean matches(Logger l, String format) {
      return l != null && format != null && logger.equals(l.getName()) && format.startsWith(formatStart);
    }
  }

  private static final List<Noise> NOISE = List.of(new Noise(BRIDGE_LOGGER, SOCKET_EXCEPTION),
      new Noise(METER_REGISTRY_LOGGER, GAUGE_REGISTERED_AGAIN));

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    for (Noise noise : NOISE) {
      if (noise.matches(logger, format)) {
        return FilterReply.DENY;
      }
    }
    return FilterReply.NEUTRAL;
  }
}
