package agentx.api;

import agentx.events.Metrics;
import agentx.protocol.Addresses;
import agentx.events.AgentXException;
import agentx.protocol.EngineClient;
import agentx.protocol.SessionEvent;
import agentx.protocol.StoreClient;
import io.vertx.core.Handler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;
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
  /** What the bridge keeps of each open socket, from SOCKET_CREATED to SOCKET_CLOSED. */
  private final Map<SockJSSocket, Client> clients = new ConcurrentHashMap<>();

  private record Feed(EventFeed feed, String sink) {}

  /**
   * One open socket: whether it connected with the API token ({@code ?token=}); how its frames of one
   * published message or replayed page are written with one flush ({@link FlushTogether}); and, per
   * session address, the replay-then-live feed serving a register that asked for {@code after}.
   */
  private record Client(boolean tokenOnConnect, Consumer<Runnable> together, Map<String, Feed> feeds) {
    /** A socket the bridge never saw open: no token, frames written one by one, no feeds kept. */
    static final Client UNKNOWN = new Client(false, Runnable::run, java.util.Collections.emptyMap());
  }

  EventBusBridge(Vertx vertx, StoreClient store, EngineClient engine, Auth auth) {
    this.vertx = vertx;
    this.store = store;
    this.engine = engine;
    this.auth = auth;
  }

  /** Where a replaying registration is parked: nothing is ever published there, its events come from an {@link EventFeed}. */
  static final String FEED_SINK_PREFIX = "agentx.bridge.feed.";

  static SockJSBridgeOptions permissions() {
    return new SockJSBridgeOptions()
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(SESSION_EVENTS_REGEX))
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(java.util.regex.Pattern.quote(FEED_SINK_PREFIX) + "[0-9a-f-]{36}"))
        .addInboundPermitted(new PermittedOptions().setAddress(Addresses.CLIENT_SEND))
        .addInboundPermitted(new PermittedOptions().setAddress(Addresses.CLIENT_CANCEL))
        .addInboundPermitted(new PermittedOptions().setAddress(Addresses.CLIENT_APPROVE));
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

  /**
   * A client address whose body is {@code {session_id, ...shape}}: checks it is an object with a
   * session's UUID, then hands the lower-cased id and the other fields to {@code handler}; its answer,
   * and every refusal as {@code {error, code}}, go back as the reply.
   */
  private Handler<Message<Object>> forSession(String shape, BiFunction<String, JsonObject, Future<JsonObject>> handler) {
    return m -> {
      try {
        if (!(m.body() instanceof JsonObject body)) {
          throw new AgentXException(agentx.events.ErrorCode.VALIDATION_FAILED, "The message body must be a JSON object " + shape + ".");
        }
        String sessionId = body.getValue("session_id") instanceof String s ? s : null;
        if (!Requests.isSessionId(sessionId)) {
          throw new AgentXException(agentx.events.ErrorCode.INVALID_SESSION_ID, "session_id must be a session's UUID.");
        }
        JsonObject rest = body.copy();
        rest.remove("session_id");
        handler.apply(sessionId.toLowerCase(), rest).onSuccess(m::reply).onFailure(e -> replyError(m, e));
      } catch (RuntimeException e) {
        replyError(m, e);
      }
    };
  }

  /** The consumers behind the inbound addresses: they start and cancel turns and answer approvals exactly like REST. */
  Future<Void> registerClientAddresses() {
    List<MessageConsumer<Object>> consumers = List.of(
        vertx.eventBus().<Object>consumer(Addresses.CLIENT_SEND, forSession("{session_id, content, system?}", (sessionId, rest) -> {
          Requests.onlyFields(rest, "content", "system");
          return engine.queueTurn(TurnRoutes.turnRequest(sessionId, rest, false)).map(accepted -> accepted.toJson());
        })),
        vertx.eventBus().<Object>consumer(Addresses.CLIENT_CANCEL, forSession("{session_id}",
            (sessionId, rest) -> TurnRoutes.cancelTurn(store, engine, sessionId))),
        vertx.eventBus().<Object>consumer(Addresses.CLIENT_APPROVE, forSession("{session_id, tool_call_id, decision, reason?, input?}",
            (sessionId, rest) -> ApprovalRoutes.answerFrom(store, sessionId, rest))));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  private void onBridgeEvent(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    BridgeEventType type = event.type();
    switch (type) {
      case SOCKET_CREATED -> {
        clients.put(socket, new Client(auth.matches(queryToken(socket.uri())), writtenTogether(socket), new ConcurrentHashMap<>()));
        Metrics.of(vertx).streamClientOpened(Metrics.EVENTBUS);
        event.complete(true);
      }
      case SOCKET_CLOSED -> {
        Client closed = clients.remove(socket);
        if (closed != null) {
          Metrics.of(vertx).streamClientClosed(Metrics.EVENTBUS);
          closed.feeds().values().forEach(f -> f.feed().close());
        }
        event.complete(true);
      }
      case REGISTER, SEND, PUBLISH -> {
        boolean allowed = !auth.enabled() || client(socket).tokenOnConnect() || headerToken(event.getRawMessage());
        if (!allowed) {
          log.debug("Bridge {} to {} refused: no valid token", type, event.getRawMessage().getString("address"));
        } else if (type == BridgeEventType.REGISTER) {
          replayIfAsked(event, socket);
        }
        event.complete(allowed);
      }
      case RECEIVE -> {
        // Session events travel as their stored JSON text, several to a message under load: each is
        // written here as its own frame with the text as the body (a JSON object for the page, as
        // always), and the bridge's own frame, which would carry the text as a string, is dropped.
        JsonObject raw = event.getRawMessage();
        String address = raw == null ? null : raw.getString("address");
        if (address != null && raw.getValue("body") instanceof String text && address.startsWith(Addresses.SESSION_EVENTS_PREFIX)) {
          String head = frameHead(address);
          client(socket).together().accept(() -> SessionEvent.each(text, envelope -> socket.write(frame(head, envelope))));
          event.complete(false);
          return;
        }
        event.complete(true);
      }
      case SOCKET_ERROR -> {
        // vertx-web has already dropped this socket's registrations (it does on any socket exception),
        // so the socket is closed rather than left open and deaf. A message over
        // AGENTX_MAX_WS_MESSAGE_BYTES, which Vert.x drops (or Netty refuses as one frame) and reports this way,
        // closes it with 1009, as it closes the session WebSocket.
        JsonObject raw = event.getRawMessage();
        String failure = raw == null ? null : raw.getString("message");
        boolean tooBig = failure != null && (failure.contains("max message size") || failure.startsWith("Max frame length"));
        log.debug("Bridge socket closed after its error: {}", failure);
        socket.close(tooBig ? StreamSocket.CLOSE_TOO_BIG : 1011, tooBig ? "message too big" : "socket error");
        event.complete(true);
      }
      case UNREGISTER -> {
        Feed feed = client(socket).feeds().remove(event.getRawMessage().getString("address"));
        if (feed != null) {
          feed.feed().close();
          event.setRawMessage(event.getRawMessage().copy().put("address", feed.sink()));
        }
        event.complete(true);
      }
      default -> event.complete(true);
    }
  }

  /**
   * A register on a session's events with {@code headers.after = N} (a returning page) gets what the
   * WebSocket's {@code ?after=N} gets: every stored event after N, then the live tail, each once and
   * in order. An {@link EventFeed} writes them to the socket under the session's address; the
   * bridge's own registration is parked on a private address so nothing arrives twice.
   */
  private void replayIfAsked(BridgeEvent event, SockJSSocket socket) {
    JsonObject raw = event.getRawMessage();
    String address = raw.getString("address");
    Long after = afterHeader(raw.getJsonObject("headers"));
    if (after == null || address == null || !address.matches(SESSION_EVENTS_REGEX)) {
      return;
    }
    Client client = clients.get(socket);
    if (client == null) {
      return; // closed meanwhile: nothing to replay to, and no feed would be closed with it
    }
    String sessionId = address.substring(Addresses.SESSION_EVENTS_PREFIX.length()).toLowerCase();
    String sink = FEED_SINK_PREFIX + java.util.UUID.randomUUID();
    String head = frameHead(address);
    EventFeed feed = new EventFeed(vertx, store, sessionId, after, envelope -> socket.write(frame(head, envelope)))
        .writtenTogetherBy(client.together());
    Feed previous = client.feeds().put(address, new Feed(feed, sink));
    if (previous != null) {
      previous.feed().close();
    }
    event.setRawMessage(raw.copy().put("address", sink));
    feed.start().onFailure(e -> log.warn("Bridge replay of {} failed: {}", address, e.getMessage()));
  }

  private Client client(SockJSSocket socket) {
    return clients.getOrDefault(socket, Client.UNKNOWN);
  }

  /**
   * The socket's frames written with one flush per batch on the connection it was opened on: for the
   * WebSocket transports that is the socket's own; for the HTTP ones a batch's frames go to a
   * response there or on another connection, and the handler passes them as before.
   */
  private static Consumer<Runnable> writtenTogether(SockJSSocket socket) {
    RoutingContext context = socket.routingContext();
    return context == null ? Runnable::run : FlushTogether.on(context.request().connection());
  }

  /** The start of a bridge frame delivering on {@code address}, up to its body. */
  private static String frameHead(String address) {
    return agentx.events.JsonText.quote(new StringBuilder("{\"type\":\"rec\",\"address\":"), address).append(",\"body\":").toString();
  }

  /** A bridge frame around the envelope's stored text: it is not parsed and encoded again. */
  private static Buffer frame(String head, SessionEvent envelope) {
    String json = envelope.json();
    return Buffer.buffer(head.length() + json.length() + 1).appendString(head).appendString(json).appendString("}");
  }

  private static Long afterHeader(JsonObject headers) {
    Object after = headers == null ? null : headers.getValue("after");
    try {
      long value = after instanceof Number n ? n.longValue() : after instanceof String text ? Long.parseLong(text.trim()) : -1;
      return value >= 0 ? value : null;
    } catch (NumberFormatException e) {
      return null;
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
