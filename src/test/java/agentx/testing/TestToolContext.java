package agentx.testing;

import agentx.tools.ToolContext;
import agentx.tools.WorkflowStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A ToolContext that records progress and can be cancelled by the test. */
public final class TestToolContext implements ToolContext {
  private final String callId;
  private final Promise<Void> cancelled = Promise.promise();
  public final List<JsonObject> progress = new CopyOnWriteArrayList<>();

  public TestToolContext(String callId) {
    this.callId = callId;
  }

  public void cancel() {
    cancelled.tryComplete();
  }

  @Override
  public String sessionId() {
    return null;
  }

  @Override
  public String callId() {
    return callId;
  }

  @Override
  public void progress(JsonObject report) {
    progress.add(report);
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
    throw new UnsupportedOperationException("no workflows in this test");
  }
}
