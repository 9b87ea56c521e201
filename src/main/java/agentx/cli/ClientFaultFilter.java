package agentx.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops the log lines a client can cause at will that say nothing about the server: vertx-web's
 * event-bus bridge logs every SockJS socket exception at ERROR with its stack trace, a message over
 * {@code AGENTX_MAX_WS_MESSAGE_BYTES} included, so one page could fill the log by reconnecting and
 * sending one again and again. The bridge closes such a socket itself and says so at DEBUG
 * ({@code agentx.api.EventBusBridge}).
 */
final class ClientFaultFilter extends TurboFilter {
  static final String BRIDGE_LOGGER = "io.vertx.ext.web.handler.sockjs.impl.EventBusBridgeImpl";
  static final String SOCKET_EXCEPTION = "SockJSSocket exception";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    return logger != null && BRIDGE_LOGGER.equals(logger.getName()) && SOCKET_EXCEPTION.equals(format) ? FilterReply.DENY : FilterReply.NEUTRAL;
  }
}
