package agentx.api;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.protocol.Addresses;
import agentx.events.ErrorCode;
import agentx.testing.Await;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.Poll;
import agentx.testing.TestRuntime;
import agentx.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SockJS event-bus bridge (DESIGN §4.4) through its raw WebSocket transport
 * ({@code /eventbus/websocket}), speaking the vertx-eventbus JSON frames a browser client sends.
 */
@ExtendWith(VertxExtension.class)
class BridgeTest {
  static final String TOKEN = "bridge-test-token";

  @TempDir Path dir;
  FakeAnthropic claude;
  TestRuntime rt;
  Vertx vertx;

  private void start(Vertx vertx, Map<String, Object> extra) {
    this.vertx = vertx;
    claude = FakeAnthropic.start(vertx).await();
    rt = TestRuntime.start(vertx, TestRuntime.withClaude(dir, claude, extra)).await();
  }

  @AfterEach
  void stopFake() {
    if (claude != null) {
      claude.close();
    }
  }

  private String newSession(String token) {
    var req = rt.http.post("/api/agentx/sessions").putHeader("Content-Type", "application/json");
    if (token != null) {
      req.putHeader("Authorization", "Bearer " + token);
    }
    var r = req.sendJsonObject(new JsonObject()).await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("session_id");
  }

  private WsClient bridge(String query) {
    return WsClient.connect(vertx, rt.port(), "/eventbus/websocket" + query).await();
  }

  private static void register(WsClient ws, String address, JsonObject headers) {
    ws.send(new JsonObject().put("type", "register").put("address", address).put("headers", headers));
  }

  /** A bridge send with a reply address; completes with the frame that answers it ({@code rec} or {@code err}). */
  private static JsonObject request(WsClient ws, String address, JsonObject body, JsonObject headers) {
    String replyAddress = UUID.randomUUID().toString();
    ws.send(new JsonObject().put("type", "send").put("address", address).put("body", body)
        .put("headers", headers).put("replyAddress", replyAddress));
    return Await.result(ws.await(f -> replyAddress.equals(f.getString("address"))), 10);
  }

  /** The {@code index}-th error frame (0-based) the bridge answered a refused register, send or publish with. */
  private static JsonObject nextError(WsClient ws, int index) {
    Poll.until(Duration.ofSeconds(5), "error frame #" + index, () -> errors(ws).size() > index);
    return errors(ws).get(index);
  }

  private static List<JsonObject> errors(WsClient ws) {
    return ws.frames.stream().filter(f -> "err".equals(f.getString("type"))).toList();
  }

  private static List<JsonObject> events(WsClient ws) {
    return ws.frames.stream().filter(f -> "rec".equals(f.getString("type")) && f.getValue("body") instanceof JsonObject)
        .map(f -> f.getJsonObject("body")).filter(b -> b.containsKey("seq")).toList();
  }

  private static JsonObject awaitEvent(WsClient ws, String type) {
    return Await.result(ws.await(f -> "rec".equals(f.getString("type")) && f.getValue("body") instanceof JsonObject b
        && type.equals(b.getString("type"))), 10).getJsonObject("body");
  }

  private static String streamed(WsClient ws) {
    return events(ws).stream().filter(e -> "stream".equals(e.getString("type"))).map(e -> e.getString("data"))
        .collect(Collectors.joining());
  }

  private JsonArray storedEvents(String sessionId, String token) {
    var req = rt.http.get("/api/agentx/sessions/" + sessionId + "/events?after=0");
    if (token != null) {
      req.putHeader("Authorization", "Bearer " + token);
    }
    return req.send().await().bodyAsJsonObject().getJsonArray("events");
  }

  /** Runs one whole turn over the bridge and checks what a browser would see. */
  private void assertTurnOverBridge(WsClient ws, String sessionId, JsonObject headers) {
    register(ws, Addresses.sessionEvents(sessionId), headers);
    JsonObject reply = request(ws, Addresses.CLIENT_SEND, new JsonObject().put("session_id", sessionId).put("content", "Hi"), headers);
    assertThat(reply.getString("type")).as(reply.encode()).isEqualTo("rec");
    String turnId = reply.getJsonObject("body").getString("turn_id");
    assertThat(turnId).isNotBlank();

    JsonObject turn = awaitEvent(ws, "turn");
    assertThat(turn.getString("turn_id")).isEqualTo(turnId);
    assertThat(turn.getJsonObject("data").getString("status")).isEqualTo("completed");
    List<JsonObject> events = events(ws);
    assertThat(events.stream().map(e -> e.getString("type")).distinct()).containsExactlyInAnyOrder("message", "state", "stream", "turn");
    assertThat(streamed(ws)).isEqualTo("Hello from the bridge.");
    assertThat(events).allSatisfy(e -> assertThat(e.getString("session_id")).isEqualTo(sessionId));
    for (int i = 1; i < events.size(); i++) {
      assertThat(events.get(i).getLong("seq")).isEqualTo(events.get(i - 1).getLong("seq") + 1);
    }
  }

  @Test
  @DisplayName("register on agentx.events.<session> and send to agentx.client.send: the reply carries the turn id and the turn's stream, state, message and turn events arrive")
  void turnOverBridge(Vertx vertx) {
    start(vertx, Map.of());
    claude.enqueue(Reply.text("Hello from the bridge."));
    String id = newSession(null);
    assertTurnOverBridge(bridge(""), id, new JsonObject());
    assertThat(claude.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("a message over AGENTX_MAX_WS_MESSAGE_BYTES closes the bridge's WebSocket with 1009, as the session WebSocket's; the server goes on")
  void oversizeMessageCloses(Vertx vertx) {
    start(vertx, Map.of(AgentXConfig.MAX_WS_MESSAGE_BYTES, 4096));
    claude.enqueue(Reply.text("Hello from the bridge."));
    String id = newSession(null);
    WsClient big = bridge("");
    register(big, Addresses.sessionEvents(id), new JsonObject());
    big.send(new JsonObject().put("type", "send").put("address", Addresses.CLIENT_SEND)
        .put("body", new JsonObject().put("session_id", id).put("content", "x".repeat(10_000))).put("replyAddress", "r1"));
    Poll.until(Duration.ofSeconds(5), "the oversize socket closed", () -> big.closeStatus != null);
    assertThat(big.closeStatus).isEqualTo((short) 1009);
    assertThat(claude.requestCount()).as("the dropped message started no turn").isZero();
    // another socket still has the whole bridge
    assertTurnOverBridge(bridge(""), id, new JsonObject());
  }

  @Test
  @DisplayName("events published several to a message (the store's commit of a session) reach the page as one rec frame each, bodies as JSON objects")
  void batchedEventsAreSplit(Vertx vertx) {
    start(vertx, Map.of());
    String id = newSession(null);
    WsClient ws = bridge("");
    register(ws, Addresses.sessionEvents(id), new JsonObject());
    JsonObject one = new JsonObject().put("type", "stream").put("session_id", id).put("seq", 1).put("data", "a\nb");
    JsonObject two = new JsonObject().put("type", "turn").put("session_id", id).put("seq", 2).put("data", new JsonObject());
    vertx.setTimer(100, t -> agentx.protocol.SessionEvent.publish(vertx, id, List.of(one.encode(), two.encode())));
    Await.result(ws.await(f -> "rec".equals(f.getString("type")) && f.getJsonObject("body").getLong("seq") == 2), 10);
    assertThat(ws.frames.stream().filter(f -> "rec".equals(f.getString("type"))))
        .allMatch(f -> Addresses.sessionEvents(id).equals(f.getString("address")))
        .extracting(f -> f.getJsonObject("body")).containsExactly(one, two);
  }

  @Test
  @DisplayName("agentx.client.send with a bad session id, no content or an unknown session is answered with {error, code}")
  void sendFailuresAreReplied(Vertx vertx) {
    start(vertx, Map.of());
    WsClient ws = bridge("");
    JsonObject badId = request(ws, Addresses.CLIENT_SEND, new JsonObject().put("session_id", "nope").put("content", "Hi"), new JsonObject());
    assertThat(badId.getString("type")).isEqualTo("rec");
    assertThat(badId.getJsonObject("body").getString("code")).isEqualTo(ErrorCode.INVALID_SESSION_ID.name());
    assertThat(badId.getJsonObject("body").getString("error")).contains("session_id");

    String id = newSession(null);
    JsonObject noContent = request(ws, Addresses.CLIENT_SEND, new JsonObject().put("session_id", id), new JsonObject());
    assertThat(noContent.getJsonObject("body").getString("code")).isEqualTo(ErrorCode.VALIDATION_FAILED.name());
    assertThat(noContent.getJsonObject("body").getString("error")).contains("content");

    JsonObject unknown = request(ws, Addresses.CLIENT_SEND,
        new JsonObject().put("session_id", UUID.randomUUID().toString()).put("content", "Hi"), new JsonObject());
    assertThat(unknown.getJsonObject("body").getString("code")).isEqualTo(ErrorCode.SESSION_NOT_FOUND.name());
    assertThat(claude.requestCount()).isZero();
  }

  @Test
  @DisplayName("a register with headers.after replays the stored log after that seq, then the live tail, each event once and in order")
  void registerAfterReplays(Vertx vertx) {
    start(vertx, Map.of());
    String id = newSession(null);
    claude.enqueue(Reply.text("First answer, already over.")).enqueue(Reply.text("Second answer, live.").delayPerEvent(
        java.time.Duration.ofMillis(5)));
    WsClient first = bridge("");
    register(first, Addresses.sessionEvents(id), new JsonObject());
    request(first, Addresses.CLIENT_SEND, new JsonObject().put("session_id", id).put("content", "one"), new JsonObject());
    awaitEvent(first, "turn");
    List<JsonObject> seenBefore = events(first);
    long lastSeen = seenBefore.get(seenBefore.size() / 2).getLong("seq"); // the page went away in the middle of the turn

    WsClient returning = bridge("");
    register(returning, Addresses.sessionEvents(id), new JsonObject().put("after", lastSeen));
    Await.result(returning.await(f -> "rec".equals(f.getString("type")) && f.getJsonObject("body") != null
        && "turn".equals(f.getJsonObject("body").getString("type"))), 10);
    request(returning, Addresses.CLIENT_SEND, new JsonObject().put("session_id", id).put("content", "two"), new JsonObject());
    Await.result(returning.await(f -> "rec".equals(f.getString("type")) && f.getJsonObject("body") != null
        && "turn".equals(f.getJsonObject("body").getString("type")) && f.getJsonObject("body").getLong("seq") > seenBefore.size()), 10);

    List<Long> seqs = events(returning).stream().map(e -> e.getLong("seq")).toList();
    List<Long> stored = storedEvents(id, null).stream().map(e -> ((JsonObject) e).getLong("seq")).toList();
    assertThat(seqs).as("replay from after+1, then live, no gap, no duplicate")
        .isEqualTo(stored.stream().filter(seq -> seq > lastSeen).toList());
    assertThat(returning.frames.stream().filter(f -> "rec".equals(f.getString("type")) && f.getJsonObject("body") != null
        && f.getJsonObject("body").containsKey("seq")).map(f -> f.getString("address")).distinct().toList())
        .as("events arrive under the address the page registered").containsExactly(Addresses.sessionEvents(id));
    assertThat(events(returning).stream().filter(e -> "stream".equals(e.getString("type"))).map(e -> e.getString("data"))
        .collect(Collectors.joining())).endsWith("Second answer, live.");

    // a register without after stays live only
    WsClient live = bridge("");
    register(live, Addresses.sessionEvents(id), new JsonObject());
    try {
      Thread.sleep(300);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    assertThat(events(live)).as("nothing is replayed without after").isEmpty();
  }

  @Test
  @DisplayName("a send whose body is not an object (a string, a number, null) is answered with {error, code}, not left to time out")
  void nonObjectBodiesAreReplied(Vertx vertx) {
    start(vertx, Map.of());
    WsClient ws = bridge("");
    for (Object body : new Object[] {"just text", 42, null}) {
      for (String address : List.of(Addresses.CLIENT_SEND, Addresses.CLIENT_CANCEL, Addresses.CLIENT_APPROVE)) {
        String replyAddress = UUID.randomUUID().toString();
        ws.send(new JsonObject().put("type", "send").put("address", address).put("body", body).put("headers", new JsonObject())
            .put("replyAddress", replyAddress));
        JsonObject reply = Await.result(ws.await(f -> replyAddress.equals(f.getString("address"))), 5);
        assertThat(reply.getJsonObject("body").getString("code")).as(address + " " + body).isIn("VALIDATION_FAILED", "INVALID_SESSION_ID");
        assertThat(reply.getJsonObject("body").getString("error")).isNotBlank();
      }
    }
  }

  @Test
  @DisplayName("agentx.client.approve answers an approval like REST: the turn goes on and ends completed; an unknown call is APPROVAL_NOT_FOUND")
  void approveOverBridge(Vertx vertx) {
    start(vertx, Map.of());
    claude.enqueue(Reply.toolUse("Let me try.", List.of(new FakeAnthropic.ToolUseSpec("toolu_b1", "no_such_tool", new JsonObject()))))
        .enqueue(Reply.text("That tool does not exist."));
    String id = rt.createSession(new JsonObject().put("config", new JsonObject().put("tool_approval", new JsonObject().put("*", "ask"))))
        .await().getString("session_id");
    WsClient ws = bridge("");
    register(ws, Addresses.sessionEvents(id), new JsonObject());
    request(ws, Addresses.CLIENT_SEND, new JsonObject().put("session_id", id).put("content", "try it"), new JsonObject());
    JsonObject asked = awaitEvent(ws, "approval_required");
    assertThat(asked.getJsonObject("data").getString("tool_name")).isEqualTo("no_such_tool");

    JsonObject unknown = request(ws, Addresses.CLIENT_APPROVE, new JsonObject().put("session_id", id).put("tool_call_id", "toolu_zz")
        .put("decision", "approve"), new JsonObject());
    assertThat(unknown.getJsonObject("body").getString("code")).isEqualTo("APPROVAL_NOT_FOUND");
    JsonObject reply = request(ws, Addresses.CLIENT_APPROVE, new JsonObject().put("session_id", id).put("tool_call_id", "toolu_b1")
        .put("decision", "approve"), new JsonObject());
    assertThat(reply.getJsonObject("body").getString("turn")).as(reply.encode()).isEqualTo("resuming");
    JsonObject turn = awaitEvent(ws, "turn");
    assertThat(turn.getJsonObject("data").getString("status")).isEqualTo("completed");
    assertThat(claude.requestCount()).isEqualTo(2);
  }

  @Test
  @DisplayName("agentx.client.cancel stops a streaming turn: the reply says cancelled and the turn ends with status cancelled")
  void cancelOverBridge(Vertx vertx) {
    start(vertx, Map.of());
    claude.enqueue(Reply.text("one two three four five six seven eight nine ten eleven twelve").delayPerEvent(Duration.ofMillis(150)));
    String id = newSession(null);
    WsClient ws = bridge("");
    register(ws, Addresses.sessionEvents(id), new JsonObject());
    request(ws, Addresses.CLIENT_SEND, new JsonObject().put("session_id", id).put("content", "count"), new JsonObject());
    awaitEvent(ws, "stream");

    JsonObject reply = request(ws, Addresses.CLIENT_CANCEL, new JsonObject().put("session_id", id), new JsonObject());
    assertThat(reply.getString("type")).as(reply.encode()).isEqualTo("rec");
    assertThat(reply.getJsonObject("body").getBoolean("cancelled")).isTrue();
    JsonObject turn = awaitEvent(ws, "turn");
    assertThat(turn.getJsonObject("data").getString("status")).isEqualTo("cancelled");
    assertThat(streamed(ws)).isNotEqualTo("one two three four five six seven eight nine ten eleven twelve");
  }

  @Test
  @DisplayName("sends to agentx.store.*, agentx.engine.*, agentx.tools.* and raw agentx.events.* are refused and reach no consumer")
  void forbiddenSendsAreRefused(Vertx vertx) {
    start(vertx, Map.of());
    String id = newSession(null);
    List<String> forbidden = List.of(Addresses.STORE_SESSION_LIST, Addresses.STORE_SESSION_DELETE, Addresses.STORE_EVENT_APPEND,
        Addresses.ENGINE_TURN_START, Addresses.turnCancel(id), Addresses.TOOLS_LIST, Addresses.TOOLS_CALL,
        Addresses.sessionEvents(id), "agentx.anything.else");
    // every one of these addresses answers on the bus when asked from the server side...
    AtomicInteger reached = new AtomicInteger();
    List<String> probes = List.of(Addresses.TOOLS_LIST, Addresses.TOOLS_CALL, Addresses.sessionEvents(id), "agentx.anything.else");
    probes.forEach(a -> vertx.eventBus().consumer(a, m -> reached.incrementAndGet()).completion().await());

    WsClient ws = bridge("");
    for (int i = 0; i < forbidden.size(); i++) {
      String address = forbidden.get(i);
      JsonObject body = new JsonObject().put("session_id", id).put("content", "Hi");
      ws.send(new JsonObject().put("type", "send").put("address", address).put("body", body).put("replyAddress", "r" + i));
      ws.send(new JsonObject().put("type", "publish").put("address", address).put("body", body));
      JsonObject sendRefused = nextError(ws, 2 * i);
      JsonObject publishRefused = nextError(ws, 2 * i + 1);
      assertThat(sendRefused.getString("body")).as(address).isEqualTo("access_denied");
      assertThat(publishRefused.getString("body")).as(address).isEqualTo("access_denied");
    }
    // ...but from the bridge nothing arrived: no turn, no deleted session, no tool call, no fake event
    assertThat(reached).hasValue(0);
    assertThat(claude.requestCount()).isZero();
    assertThat(storedEvents(id, null)).isEmpty();
    assertThat(rt.http.get("/api/agentx/sessions/" + id).send().await().statusCode()).isEqualTo(200);
    assertThat(ws.frames).allSatisfy(f -> assertThat(f.getString("type")).isEqualTo("err"));
  }

  @Test
  @DisplayName("register is refused on a non-uuid agentx.events address and on any other address, and delivers nothing from it")
  void forbiddenRegistersAreRefused(Vertx vertx) {
    start(vertx, Map.of());
    String id = newSession(null);
    List<String> forbidden = List.of("agentx.events.not-a-uuid", "agentx.events." + id + ".x", "agentx.events.*",
        Addresses.STORE_SESSION_CREATE, Addresses.ENGINE_TURN_START, Addresses.TOOLS_CALL, Addresses.CLIENT_SEND, "elsewhere");
    WsClient ws = bridge("");
    for (int i = 0; i < forbidden.size(); i++) {
      register(ws, forbidden.get(i), new JsonObject());
      assertThat(nextError(ws, i).getString("body")).as(forbidden.get(i)).isEqualTo("access_denied");
    }
    // publish on every refused address, then on the allowed one: only the allowed one comes through
    forbidden.forEach(a -> vertx.eventBus().publish(a, new JsonObject().put("leak", a)));
    register(ws, Addresses.sessionEvents(id), new JsonObject());
    JsonObject sentinel = new JsonObject().put("sentinel", true);
    vertx.setTimer(100, t -> vertx.eventBus().publish(Addresses.sessionEvents(id), sentinel));
    JsonObject got = Await.result(ws.await(f -> "rec".equals(f.getString("type"))), 10);
    assertThat(got.getString("address")).isEqualTo(Addresses.sessionEvents(id));
    assertThat(got.getJsonObject("body")).isEqualTo(sentinel);
    assertThat(ws.frames.stream().filter(f -> "rec".equals(f.getString("type")))).hasSize(1);
  }

  @Test
  @DisplayName("with AGENTX_API_TOKEN set, a socket without the token gets every register and send refused and receives nothing")
  void tokenRequired(Vertx vertx) {
    start(vertx, Map.of(AgentXConfig.API_TOKEN, TOKEN));
    String id = newSession(TOKEN);
    for (String query : List.of("", "?token=wrong-token")) {
      WsClient ws = bridge(query);
      register(ws, Addresses.sessionEvents(id), new JsonObject());
      ws.send(new JsonObject().put("type", "send").put("address", Addresses.CLIENT_SEND).put("replyAddress", "r1")
          .put("body", new JsonObject().put("session_id", id).put("content", "Hi"))
          .put("headers", new JsonObject().put("Authorization", "Bearer wrong-token")));
      assertThat(nextError(ws, 0).getString("body")).as("register " + query).isEqualTo("rejected");
      assertThat(nextError(ws, 1).getString("body")).as("send " + query).isEqualTo("rejected");
      vertx.eventBus().publish(Addresses.sessionEvents(id), new JsonObject().put("leak", true));
      vertx.timer(300).await();
      assertThat(ws.frames).as(query).allSatisfy(f -> assertThat(f.getString("type")).isEqualTo("err"));
    }
    assertThat(claude.requestCount()).isZero();
    assertThat(storedEvents(id, TOKEN)).isEmpty();
  }

  @Test
  @DisplayName("with AGENTX_API_TOKEN set, ?token= on connect lets a whole turn through")
  void tokenOnConnect(Vertx vertx) {
    start(vertx, Map.of(AgentXConfig.API_TOKEN, TOKEN));
    claude.enqueue(Reply.text("Hello from the bridge."));
    String id = newSession(TOKEN);
    assertTurnOverBridge(bridge("?token=" + TOKEN), id, new JsonObject());
  }

  @Test
  @DisplayName("with AGENTX_API_TOKEN set, an Authorization header on each register and send lets a whole turn through")
  void tokenInFrameHeaders(Vertx vertx) {
    start(vertx, Map.of(AgentXConfig.API_TOKEN, TOKEN));
    claude.enqueue(Reply.text("Hello from the bridge."));
    String id = newSession(TOKEN);
    assertTurnOverBridge(bridge(""), id, new JsonObject().put("Authorization", "Bearer " + TOKEN));
  }
}
