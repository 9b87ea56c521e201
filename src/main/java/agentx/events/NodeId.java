package agentx.events;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.util.UUID;

/** This JVM's id: the cluster node id when clustered (so others can tell when it leaves), else a random one. */
public final class NodeId {
  private static final String LOCAL = UUID.randomUUID().toString();

  private NodeId() {}

  public static String of(Vertx vertx) {
    if (vertx.isClustered()) {
      return ((VertxInternal) vertx).clusterManager().getNodeId();
    }
    return LOCAL;
  }
}
