package agentx.store;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In a cluster, tells the store when a node leaves, so the turns that node's engine was running are
 * closed as failed instead of staying "processing" forever. Hazelcast notices a dead member when its
 * connection drops, or after {@code AGENTX_CLUSTER_FAILURE_TIMEOUT} seconds without a heartbeat.
 */
final class EngineWatch {
  private static final Logger log = LoggerFactory.getLogger(EngineWatch.class);

  /** The member attribute where vertx-hazelcast keeps the Vert.x node id (which is not the Hazelcast member UUID). */
  private static final String VERTX_NODE_ID = "__vertx.nodeId";

  private EngineWatch() {}

  /** The Vert.x node id of the member that left: what the engine recorded as {@code engine_node}. */
  private static String vertxNodeId(MembershipEvent event) {
    String id = event.getMember().getAttribute(VERTX_NODE_ID);
    return id != null ? id : event.getMember().getUuid().toString();
  }

  /** Calls {@code closeTurnsOf} with "which engine nodes are gone": now (nodes that died while no store ran) and at each departure. */
  static void start(Vertx vertx, Consumer<Predicate<String>> closeTurnsOf) {
    if (!vertx.isClustered() || !(((VertxInternal) vertx).clusterManager() instanceof HazelcastClusterManager hz)) {
      return;
    }
    Set<String> members = Set.copyOf(hz.getNodes());
    closeTurnsOf.accept(node -> node != null && !members.contains(node));
    hz.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {}

      @Override
      public void memberRemoved(MembershipEvent event) {
        String node = vertxNodeId(event);
        log.warn("Cluster node {} left; closing the turns it was running", node);
        vertx.runOnContext(v -> closeTurnsOf.accept(node::equals));
      }
    });
  }
}
