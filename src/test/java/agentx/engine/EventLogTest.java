package agentx.engine;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.events.AgentXException;
import agentx.events.Events;
import agentx.protocol.BeginTurn;
import agentx.protocol.CreateSession;
import agentx.protocol.EventQuery;
import agentx.protocol.StoreClient;
import agentx.protocol.StoredMessage;
import agentx.protocol.TurnProgress;
import agentx.protocol.TurnUsageSoFar;
import agentx.store.PersistenceVerticle;
import agentx.testing.TestDatabases;
import agentx.testing.TestDatabases.Backend;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A turn's event log against the real store (SQLite): the figures it is given go to the store with its events, and
 * {@link EventLog#drain} and {@link EventLog#seal} wait for them, so nothing the turn records later (a message's
 * figures, the next engine's) can be overtaken by figures still waiting.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("A turn's event log and the figures it carries")
class EventLogTest {
  @TempDir Path dir;
  private StoreClient store;
  private String sessionId;
  private String turnId;
  private Context context;
  private final List<AgentXException> failures = new CopyOnWriteArrayList<>();

  @BeforeEach
  void store(Vertx vertx) {
    String url = TestDatabases.create(Backend.SQLITE, dir).url();
    vertx.deployVerticle(new PersistenceVerticle(),
        new DeploymentOptions().setConfig(AgentXConfig.from(new JsonObject().put(AgentXConfig.DATABASE_URL, url)).toJson())).await();
    store = new StoreClient(vertx);
    sessionId = store.createSession(new CreateSession(null, null, new JsonObject())).await().sessionId();
    turnId = UUID.randomUUID().toString();
    store.beginTurn(new BeginTurn(turnId, sessionId, "n1", new StoredMessage(UUID.randomUUID().toString(), sessionId, turnId, "user",
        "go", null, null, 0, 0, null, null, null))).await();
    context = vertx.getOrCreateContext();
  }

  /** Runs {@code work} on the turn's context, as the engine does, and waits for the future it returns. */
  private <T> T onContext(Function<EventLog, Future<T>> work, EventLog log) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> work.apply(log).onComplete(done));
    return done.future().await();
  }

  private EventLog newLog() {
    return new EventLog(store, sessionId, turnId, failures::add);
  }

  private TurnUsageSoFar stored() {
    return store.turn(sessionId, turnId).await().usage();
  }

  @Test
  @DisplayName("drain stores figures that wait for events to go with, at once, not 50 ms later")
  void drainStoresWaitingFigures() {
    EventLog log = newLog();
    TurnUsageSoFar figures = new TurnUsageSoFar(25, 7, 0, 0, 0.2, 1, 0);
    onContext(l -> {
      l.recordProgress(new TurnProgress(turnId, figures));
      return l.drain();
    }, log);
    assertThat(stored()).extracting(TurnUsageSoFar::inputTokens, TurnUsageSoFar::outputTokens, TurnUsageSoFar::llmCalls)
        .containsExactly(25L, 7L, 1L);
    assertThat(failures).isEmpty();
  }

  @Test
  @DisplayName("drain while a batch is on its way stores the figures given after it, before it completes")
  void drainAfterABatchStoresWaitingFigures() {
    EventLog log = newLog();
    onContext(l -> {
      l.emit(Events.STREAM, "Hel");
      // given once that token's batch is on its way (its write was queued first), as a thinking call's figures are
      Promise<Void> drained = Promise.promise();
      context.runOnContext(v -> {
        l.recordProgress(new TurnProgress(turnId, new TurnUsageSoFar(25, 9, 0, 0, 0.2, 1, 0)));
        l.drain().onComplete(drained);
      });
      return drained.future();
    }, log);
    assertThat(stored().outputTokens()).isEqualTo(9L);
    assertThat(failures).isEmpty();
  }

  @Test
  @DisplayName("seal with the turn's last figures: written after the batch on its way, and drain waits for them; nothing emitted after is taken")
  void sealWritesTheLastFigures() {
    EventLog log = newLog();
    onContext(l -> {
      l.emit(Events.STREAM, "Hel");
      l.recordProgress(new TurnProgress(turnId, new TurnUsageSoFar(25, 1, 0, 0, 0.1, 1, 0)));
      return l.drain();
    }, log);
    assertThat(stored().outputTokens()).isEqualTo(1L);
    onContext(l -> {
      l.emit(Events.STREAM, "lo");
      // sealed while that token's batch is on its way to the store (its write was queued first, its answer comes after)
      Promise<Void> drained = Promise.promise();
      context.runOnContext(v -> {
        l.seal(new TurnProgress(turnId, new TurnUsageSoFar(25, 12, 0, 0, 0.3, 1, 0)));
        l.emit(Events.STREAM, "never stored");
        l.drain().onComplete(drained);
      });
      return drained.future();
    }, log);
    assertThat(stored()).extracting(TurnUsageSoFar::inputTokens, TurnUsageSoFar::outputTokens).containsExactly(25L, 12L);
    List<Object> texts = store.events(new EventQuery(sessionId, 0, 10)).await().events().stream()
        .map(e -> ((JsonObject) e).getValue("data")).toList();
    assertThat(texts).containsExactly("Hel", "lo");
    assertThat(failures).isEmpty();
  }

  @Test
  @DisplayName("back-pressure: Claude's stream is held once HIGH_WATER events wait for the store, and let go once they are written down; every event is stored, in order")
  void holdsTheStreamBackWhileTheStoreIsBehind() {
    EventLog log = newLog();
    List<String> told = new CopyOnWriteArrayList<>();
    List<Integer> heldAt = new CopyOnWriteArrayList<>();
    int[] emitted = {0};
    log.onBacklog(hold -> {
      told.add(hold ? "hold" : "resume");
      if (hold) {
        heldAt.add(emitted[0]);
      }
    });
    int total = EventLog.HIGH_WATER + 10;
    boolean[] high = new boolean[2];
    onContext(l -> {
      // all in one task: the first batch leaves only once the task that emitted its first event ends
      for (int i = 0; i < total; i++) {
        emitted[0]++;
        l.emit(Events.STREAM, "t" + i);
        if (emitted[0] == EventLog.HIGH_WATER - 1) {
          high[0] = l.backlogHigh();
        }
      }
      high[1] = l.backlogHigh();
      return l.drain();
    }, log);
    assertThat(high).as("held below the mark, at the mark").containsExactly(false, true);
    assertThat(told).containsExactly("hold", "resume");
    assertThat(heldAt).containsExactly(EventLog.HIGH_WATER);
    assertThat(log.backlogHigh()).isFalse();
    List<String> envelopes = store.events(new EventQuery(sessionId, 0, total + 10)).await().envelopes();
    List<Object> texts = envelopes.stream().map(e -> new JsonObject(e)).filter(e -> Events.STREAM.equals(e.getString("type")))
        .map(e -> e.getValue("data")).toList();
    assertThat(texts).containsExactlyElementsOf(IntStream.range(0, total).mapToObj(i -> "t" + i).toList());
    assertThat(failures).isEmpty();
  }
}
