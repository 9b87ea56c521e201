package agentx.api;

import agentx.protocol.Addresses;
import agentx.events.AgentXException;
import agentx.protocol.EngineClient;
import agentx.protocol.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SockJS event-bus bridge at {@code /eventbus/*} (DESIGN §4.4). Browsers may register on
 * {@code agentx.events.<uuid>} and send to {@code agentx.client.send} / {@code agentx.client.cancel};
 * every other address is refused both ways. With a token configured, a socket must present it
 * ({@code ?token=} on connect, or an {@code Authorization} header with each register/send).
 */
final class EventBusBridge {
  private static final Logger log = LoggerFactory.getLogger(EventBusBridge.class);
  static final String SESSION_EVENTS_REGEX = "agentx\\.events\\.[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

  private final Vertx vertx;
  private final StoreClient store;
  private final EngineClient engine;
  private final Auth auth;
  private final Map<SockJSSocket, Boolean> tokenOnConnect = new ConcurrentHashMap<>();

  EventBusBridge(Vertx vertx, StoreClient store, EngineClient engine, Auth auth) {
    this.vertx = vertx;
    this.store = store;
    this.engine = engine;
    this.auth = auth;
  }

  static SockJSBridgeOptions permissions() {
    return new SockJSBridgeOptions()
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(SESSION_EVENTS_REGEX))
        .addInboundPermitted(new PermittedOptions().setAddress(Addresses.CLIENT_SEND))
        .addInboundPermitted(new PermittedOptions().setAddress(Addresses.CLIENT_CANCEL));
  }

  Router router() {
    return SockJSHandler.create(vertx).bridge(permissions(), this::onBridgeEvent);
  }

  /**
   * A refused client request is answered with the REST error body {@code {error, code}} (DESIGN
   * §4.4), not a bus failure: through the bridge a failure arrives as a bare number, which a page
   * cannot show or branch on.
   */
  private static void replyError(Message<?> m, Throwable failure) {
    m.reply(HttpErrors.body(failure, "Bridge request on " + m.address()));
  }

  /** The consumers behind the two inbound addresses: they start and cancel turns exactly like REST. */
  Future<Void> registerClientAddresses() {
    List<MessageConsumer<Object>> consumers = List.of(
        vertx.eventBus().<Object>consumer(Addresses.CLIENT_SEND, m -> {
          if (!(m.body() instanceof JsonObject body)) {
            replyError(m, new AgentXException(agentx.events.ErrorCode.VALIDATION_FAILED,
                "The message body must be a JSON object {session_id, content, system?}."));
            return;
          }
          try {
            String sessionId = body.getString("session_id");
            if (!Requests.isSessionId(sessionId)) {
              throw new AgentXException(agentx.events.ErrorCode.INVALID_SESSION_ID, "session_id must be a session's UUID.");
            }
            JsonObject rest = body.copy();
            rest.remove("session_id");
            Requests.onlyFields(rest, "content", "system");
            engine.queueTurn(TurnRoutes.turnRequest(sessionId.toLowerCase(), rest, false))
                .onSuccess(accepted -> m.reply(accepted.toJson()))
                .onFailure(e -> replyError(m, e));
          } catch (RuntimeException e) {
            replyError(m, e);
          }
        }),
        vertx.eventBus().<Object>consumer(Addresses.CLIENT_CANCEL, m -> {
          String sessionId = m.body() instanceof JsonObject body && body.getValue("session_id") instanceof String s ? s : null;
          if (!Requests.isSessionId(sessionId)) {
            replyError(m, new AgentXException(agentx.events.ErrorCode.INVALID_SESSION_ID, "session_id must be a session's UUID."));
            return;
          }
          TurnRoutes.cancelTurn(store, engine, sessionId.toLowerCase()).onSuccess(m::reply).onFailure(e -> replyError(m, e));
        }));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  private void onBridgeEvent(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    BridgeEventType type = event.type();
    switch (type) {
      case SOCKET_CREATED -> {
        tokenOnConnect.put(socket, auth.matches(queryToken(socket.uri())));
        event.complete(true);
      }
      case SOCKET_CLOSED -> {
        tokenOnConnect.remove(socket);
        event.complete(true);
      }
      case REGISTER, SEND, PUBLISH -> {
        boolean allowed = !auth.enabled() || tokenOnConnect.getOrDefault(socket, false) || headerToken(event.getRawMessage());
        if (!allowed) {
          log.debug("Bridge {} to {} refused: no valid token", type, event.getRawMessage().getString("address"));
        }
        event.complete(allowed);
      }
      default -> event.complete(true);
    }
  }

  private boolean headerToken(JsonObject raw) {
    JsonObject headers = raw == null ? null : raw.getJsonObject("headers");
    return headers != null && auth.acceptsHeader(headers.getString("Authorization", headers.getString("authorization")));
  }

  private static String queryToken(String uri) {
    int q = uri == null ? -1 : uri.indexOf('?');
    if (q < 0) {
      return null;
    }
    for (String pair : uri.substring(q + 1).split("&")) {
      if (pair.startsWith("token=")) {
        return java.net.URLDecoder.decode(pair.substring(6), java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
