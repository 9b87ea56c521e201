package agentx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ClientFaultFilterTest {

  @Test
  @DisplayName("vertx-web's stack trace for a client's SockJS socket error is dropped; its other lines and other loggers' pass")
  void dropsOnlyTheBridgesSocketException() {
    LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
    ClientFaultFilter filter = new ClientFaultFilter();
    filter.setContext(context);
    filter.start();
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.setContext(context);
    seen.start();
    ch.qos.logback.classic.Logger bridgeLogger = context.getLogger(ClientFaultFilter.BRIDGE_LOGGER);
    ch.qos.logback.classic.Logger other = context.getLogger("agentx.api.Other");
    bridgeLogger.addAppender(seen);
    other.addAppender(seen);
    context.addTurboFilter(filter);
    try {
      // through Vert.x's own logging, as the bridge logs it (vertx-core's logger on SLF4J)
      io.vertx.core.internal.logging.Logger vertxLogger = io.vertx.core.internal.logging.LoggerFactory.getLogger(ClientFaultFilter.BRIDGE_LOGGER);
      vertxLogger.error(ClientFaultFilter.SOCKET_EXCEPTION, new IllegalStateException(
          "Cannot process text frame of size 10140, it would cause message buffer (size 0) to overflow max message size of 4096"));
      vertxLogger.error("Failed to handle a bridge frame", new IllegalStateException("a server fault"));
      other.error(ClientFaultFilter.SOCKET_EXCEPTION, new IllegalStateException("another logger"));
      assertThat(seen.list).extracting(ILoggingEvent::getMessage)
          .containsExactly("Failed to handle a bridge frame", ClientFaultFilter.SOCKET_EXCEPTION);
      assertThat(seen.list.get(1).getLoggerName()).isEqualTo("agentx.api.Other");
    } finally {
      context.getTurboFilterList().remove(filter);
      bridgeLogger.detachAppender(seen);
      other.detachAppender(seen);
    }
  }
}
