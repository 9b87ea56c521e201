package agentx.api.mcp;

import java.util.List;

/** The MCP revisions the endpoint speaks, oldest first. */
final class ProtocolVersions {
  static final List<String> SUPPORTED = List.of("2025-03-26", "2025-06-18", "2025-11-25");
  static final String LATEST = SUPPORTED.get(SUPPORTED.size() - 1);
  /** The revision a client means when it sends no MCP-Protocol-Version header (per the spec). */
  static final String ASSUMED_WITHOUT_HEADER = "2025-03-26";
  /** JSON-RPC batches were dropped after this revision. */
  static final String LAST_WITH_BATCHES = "2025-03-26";

  private ProtocolVersions() {}

  static boolean supported(String version) {
    return SUPPORTED.contains(version);
  }

  /** The client's version when we speak it, else our newest (the client then decides). */
  static String negotiate(String requested) {
    return supported(requested) ? requested : LATEST;
  }
}
