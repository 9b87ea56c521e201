package agentx.tools.mcp;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Reading failures that went through Reactor, CompletableFuture and the SDK's wrappers. */
final class Failures {
  private Failures() {}

  /** The failure without CompletableFuture's wrappers. */
  static Throwable unwrap(Throwable failure) {
    Throwable current = failure;
    while ((current instanceof CompletionException || current instanceof ExecutionException) && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  static boolean hasCause(Throwable failure, Class<? extends Throwable> type) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  /** A sentence for people: the failure's message plus its root cause, which usually says what happened. */
  static String describe(Throwable failure) {
    Throwable cause = unwrap(failure);
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    if (root != cause) {
      String rootText = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
      if (!message.contains(rootText)) {
        message += " (" + rootText + ")";
      }
    }
    return message;
  }
}
