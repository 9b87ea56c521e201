package agentx.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The runtime's logging, configured in code (found by Logback through
 * {@code META-INF/services/ch.qos.logback.classic.spi.Configurator}): what the XML configuration did,
 * without loading an XML parser and Logback's Joran machinery at every start (a few hundred
 * milliseconds of class loading). One line per event on stdout; the level from
 * {@code AGENTX_LOG_LEVEL} (default INFO; {@code --log-level} changes it later).
 *
 * <p>A configuration of one's own still wins: {@code -Dlogback.configurationFile=...}, or a
 * {@code logback.xml} / {@code logback-test.xml} on the classpath (the tests' one), and Logback then
 * reads it as usual.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
  /** What {@link LogLine} writes, in Logback's pattern language (the tests hold it to Logback's own output). */
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    ClassLoader loader = LogSetup.class.getClassLoader();
    if (System.getProperty("logback.configurationFile") != null || loader.getResource("logback-test.xml") != null
        || loader.getResource("logback.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    LogLine layout = new LogLine();
    layout.setContext(context);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setLayout(layout);
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("STDOUT");
    console.setEncoder(encoder);
    console.start();
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(System.getenv("AGENTX_LOG_LEVEL"), Level.INFO));
    root.addAppender(console);
    context.getLogger("com.hazelcast").setLevel(Level.WARN);
    context.getLogger("io.netty").setLevel(Level.INFO);
    context.getLogger("org.flywaydb").setLevel(Level.WARN);
    NoiseFilter noise = new NoiseFilter();
    noise.setContext(context);
    noise.start();
    context.addTurboFilter(noise);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
