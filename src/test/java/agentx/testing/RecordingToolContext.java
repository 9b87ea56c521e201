package agentx.testing;

import agentx.tools.ToolContext;
import agentx.tools.WorkflowStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A ToolContext for tests: records progress reports and can be cancelled. */
public final class RecordingToolContext implements ToolContext {
  private final String sessionId;
  private final WorkflowStore store;
  private final String callId;
  private final List<JsonObject> progress = new CopyOnWriteArrayList<>();
  private final Promise<Void> cancelled = Promise.promise();
  private volatile Consumer<JsonObject> onProgress = p -> {};

  public RecordingToolContext(String sessionId, WorkflowStore store) {
    this(sessionId, store, "toolu_" + UUID.randomUUID().toString().replace("-", ""));
  }

  private RecordingToolContext(String sessionId, WorkflowStore store, String callId) {
    this.sessionId = sessionId;
    this.store = store;
    this.callId = callId;
  }

  /** A context of no session and no workflows (a tool that needs neither), for the call {@code callId}. */
  public static RecordingToolContext forCall(String callId) {
    return new RecordingToolContext(null, null, callId);
  }

  @Override
  public String sessionId() {
    return sessionId;
  }

  @Override
  public String callId() {
    return callId;
  }

  @Override
  public void progress(JsonObject report) {
    progress.add(report);
    onProgress.accept(report);
  }

  @Override
  public Future<Void> cancelled() {
    return cancelled.future();
  }

  @Override
  public boolean isCancelled() {
    return cancelled.future().isComplete();
  }

  @Override
  public WorkflowStore workflows() {
    return store;
  }

  public void cancel() {
    cancelled.tryComplete();
  }

  public List<JsonObject> progressReports() {
    return progress;
  }

  /** Called on every progress report, e.g. to cancel once a run is under way. */
  public RecordingToolContext onProgress(Consumer<JsonObject> listener) {
    this.onProgress = listener;
    return this;
  }
}
