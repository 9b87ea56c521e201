package agentx.events;

import io.vertx.core.json.jackson.JacksonCodec;
import io.vertx.core.spi.JsonFactory;
import io.vertx.core.spi.json.JsonCodec;

/**
 * Vert.x's JSON codec on Jackson's streaming core, found through
 * {@code META-INF/services/io.vertx.core.spi.JsonFactory}. Vert.x otherwise picks its databind codec
 * whenever jackson-databind is on the classpath (the MCP SDK and {@code StrictJson} bring it), and
 * builds an {@code ObjectMapper} on the first {@code JsonObject} of the process: some 360 classes at
 * every start-up, and a databind serializer lookup for every value a {@code JsonObject} encodes. The
 * runtime never maps JSON to its own classes through Vert.x ({@code mapTo}/{@code mapFrom}), so the
 * core codec does all it needs; the classes that use databind themselves still do.
 */
public final class CoreJsonCodec implements JsonFactory {
  private static final JsonCodec CODEC = new JacksonCodec();

  /** Before Vert.x's own factory (which has the highest order, and is used only when none is found). */
  @Override
  public int order() {
    return 0;
  }

  @Override
  public JsonCodec codec() {
    return CODEC;
  }
}
