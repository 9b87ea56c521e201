package agentx.config;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;

/**
 * A clustered Vert.x over Hazelcast from our settings: TCP-IP join to {@code AGENTX_CLUSTER_MEMBERS}
 * on {@code AGENTX_CLUSTER_HOST:AGENTX_CLUSTER_PORT} (the next free port when taken), never
 * multicast or cloud auto-detection, no phone-home (this runs offline).
 */
public final class HazelcastSetup {
  private HazelcastSetup() {}

  public static Config hazelcastConfig(AgentXConfig config) {
    String host = config.string(AgentXConfig.CLUSTER_HOST);
    int port = config.integer(AgentXConfig.CLUSTER_PORT);
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName("agentx");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(config.integer(AgentXConfig.CLUSTER_FAILURE_TIMEOUT)));
    hz.setProperty("hazelcast.local.localAddress", host);
    NetworkConfig network = hz.getNetworkConfig();
    network.setPort(port).setPortAutoIncrement(true);
    network.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getAwsConfig().setEnabled(false);
    join.getKubernetesConfig().setEnabled(false);
    List<String> members = new ArrayList<>(config.list(AgentXConfig.CLUSTER_MEMBERS));
    if (members.isEmpty()) {
      members.add(host);
    }
    join.getTcpIpConfig().setEnabled(true).setMembers(members);
    return hz;
  }

  public static Future<Vertx> clusteredVertx(AgentXConfig config) {
    return clusteredVertx(config, new VertxOptions(), null);
  }

  /** A clustered Vert.x with {@code options} (its event bus bound as configured) and, when given, {@code metrics}. */
  public static Future<Vertx> clusteredVertx(AgentXConfig config, VertxOptions options, VertxMetricsFactory metrics) {
    options.getEventBusOptions().setHost(config.string(AgentXConfig.CLUSTER_HOST)).setPort(0);
    var builder = Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hazelcastConfig(config)));
    if (metrics != null) {
      builder.withMetrics(metrics);
    }
    return builder.buildClustered();
  }
}
