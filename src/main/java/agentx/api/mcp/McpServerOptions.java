package agentx.api.mcp;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/** Settings of the {@code /mcp} endpoint. Mutable, fluent; defaults suit a loopback deployment. */
public class McpServerOptions {
  private String serverName = "agentx";
  private String serverVersion = "0.1.0";
  private String instructions;
  private Set<String> allowedOrigins = Set.of();
  private int pageSize = 50;
  private long maxBodyBytes = 4L * 1024 * 1024;
  private Duration sessionIdleTimeout = Duration.ofHours(1);
  private int maxSessions = 10_000;

  public String serverName() {
    return serverName;
  }

  public McpServerOptions serverName(String serverName) {
    this.serverName = Objects.requireNonNull(serverName);
    return this;
  }

  public String serverVersion() {
    return serverVersion;
  }

  public McpServerOptions serverVersion(String serverVersion) {
    this.serverVersion = Objects.requireNonNull(serverVersion);
    return this;
  }

  /** Optional text sent in the initialize result to tell the client's model how to use the tools. */
  public String instructions() {
    return instructions;
  }

  public McpServerOptions instructions(String instructions) {
    this.instructions = instructions;
    return this;
  }

  /**
   * Exact origins (e.g. {@code https://comfy.example.com}) allowed besides loopback ones. A request
   * whose {@code Origin} is neither is refused with 403 (DNS-rebinding protection).
   */
  public Set<String> allowedOrigins() {
    return allowedOrigins;
  }

  public McpServerOptions allowedOrigins(Set<String> allowedOrigins) {
    this.allowedOrigins = Set.copyOf(allowedOrigins);
    return this;
  }

  /** Tools per {@code tools/list} page. */
  public int pageSize() {
    return pageSize;
  }

  public McpServerOptions pageSize(int pageSize) {
    if (pageSize < 1) {
      throw new IllegalArgumentException("page size must be at least 1");
    }
    this.pageSize = pageSize;
    return this;
  }

  /** Largest accepted POST body; larger ones get 413. */
  public long maxBodyBytes() {
    return maxBodyBytes;
  }

  public McpServerOptions maxBodyBytes(long maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
    return this;
  }

  /** Sessions unused for this long (and with no call running) are forgotten. */
  public Duration sessionIdleTimeout() {
    return sessionIdleTimeout;
  }

  public McpServerOptions sessionIdleTimeout(Duration sessionIdleTimeout) {
    this.sessionIdleTimeout = Objects.requireNonNull(sessionIdleTimeout);
    return this;
  }

  /** Upper bound of live sessions; initialize is refused with 503 beyond it. */
  public int maxSessions() {
    return maxSessions;
  }

  public McpServerOptions maxSessions(int maxSessions) {
    this.maxSessions = maxSessions;
    return this;
  }
}
