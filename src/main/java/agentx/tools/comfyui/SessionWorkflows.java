package agentx.tools.comfyui;

import agentx.tools.ToolContext;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * The session's workflow as the edit tools see it. Claude often sends several edits in one message
 * and the engine runs them in parallel; each is a read-modify-write of the latest version, so edits
 * of one session are queued here one after the other, or one would silently overwrite the other.
 */
final class SessionWorkflows {
  private final ConcurrentMap<String, Future<?>> tails = new ConcurrentHashMap<>();

  static String sessionId(ToolContext ctx) {
    if (ctx.sessionId() == null || ctx.workflows() == null) {
      throw new ToolRefusal("This call is not part of a chat session, so there is no session workflow to use;"
          + " pass the workflow explicitly where the tool allows it.");
    }
    return ctx.sessionId();
  }

  /** {@code {version, workflow, description, updated_at}}, or a refusal when the session has none yet. */
  static Future<JsonObject> required(ToolContext ctx) {
    return ctx.workflows().current(sessionId(ctx)).compose(current -> current == null
        ? Future.failedFuture(new ToolRefusal("This session has no workflow yet: ask the user to send theirs"
            + " (API format), or build one with update_workflow or add_node."))
        : Future.succeededFuture(current));
  }

  /** {@code {version, workflow}} of the latest version, or version 0 and an empty workflow when there is none yet. */
  static Future<JsonObject> latest(ToolContext ctx) {
    return ctx.workflows().current(sessionId(ctx)).map(current -> current == null || current.getJsonObject("workflow") == null
        ? new JsonObject().put("version", 0L).put("workflow", new JsonObject())
        : new JsonObject().put("version", current.getLong("version")).put("workflow", current.getJsonObject("workflow")));
  }


  /** Runs {@code task} after every earlier task of the same session has finished (succeeded or not). */
  <T> Future<T> serialized(ToolContext ctx, Supplier<Future<T>> task) {
    String key = sessionId(ctx);
    @SuppressWarnings("unchecked")
    Future<T>[] mine = new Future[1];
    tails.compute(key, (k, previous) -> {
      Future<Void> after = previous == null ? Future.succeededFuture()
          : previous.transform(ignored -> Future.succeededFuture());
      mine[0] = after.compose(v -> task.get());
      return mine[0];
    });
    mine[0].onComplete(done -> tails.remove(key, mine[0]));
    return mine[0];
  }
}
