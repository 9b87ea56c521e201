package agentx.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The tool registry: every tool's spec, and the external MCP servers' states.
 *
 * <p>{@code agentx.tools.list} asks for it with {@code {"known_version": v}} (optional: the version of the
 * listing the asker holds) and is answered {@code {version, servers, tools}}, without {@code tools} when
 * {@code known_version} is the registry's version. The version is a digest of the tools' JSON, so every tools
 * service with the same tools gives the same one (a cluster's nodes) and a changed registry a new one. A turn
 * start asks for the list: a thousand turns starting at once had the registry's schemas (some 15 KB) built,
 * copied by the local bus, parsed and compared a thousand times, a tenth of the CPU of those seconds.
 *
 * @param version the digest of {@code tools} as JSON ({@link #versionOf}), or null from a service that gives none
 */
public record ToolListing(List<ToolSpec> tools, JsonArray servers, String version) {
  public static final String KNOWN_VERSION = "known_version";

  /** A listing of these tools, with their version (and no servers' states yet: {@link #withServers}). */
  public static ToolListing of(List<ToolSpec> tools) {
    return new ToolListing(List.copyOf(tools), new JsonArray(), versionOf(toolsJson(tools)));
  }

  /** The same tools (and version) with the servers' states as they are now. */
  public ToolListing withServers(JsonArray now) {
    return new ToolListing(tools, now, version);
  }

  /** What a client holding the listing of version {@code known} (or null) is answered. */
  public JsonObject toJson(String known) {
    JsonObject json = new JsonObject().put("version", version).put("servers", servers);
    if (version == null || !version.equals(known)) {
      json.put("tools", toolsJson(tools));
    }
    return json;
  }

  /**
   * The listing an answer gives to a client that holds {@code held} (or null): {@code held}'s tools, the same
   * objects, when the answer leaves them out or names the same version.
   *
   * @throws IllegalStateException when the answer leaves the tools out for a version the client does not hold
   */
  public static ToolListing fromJson(JsonObject json, ToolListing held) {
    String version = json.getString("version");
    JsonArray servers = json.getJsonArray("servers", new JsonArray());
    if (held != null && version != null && version.equals(held.version())) {
      return new ToolListing(held.tools(), servers, version);
    }
    JsonArray tools = json.getJsonArray("tools");
    if (tools == null) {
      throw new IllegalStateException("The tools service left out the tools of version " + version + ", which this client does not hold");
    }
    List<ToolSpec> specs = new ArrayList<>(tools.size());
    tools.forEach(o -> specs.add(ToolSpec.fromJson((JsonObject) o)));
    return new ToolListing(List.copyOf(specs), servers, version);
  }

  private static JsonArray toolsJson(List<ToolSpec> tools) {
    JsonArray specs = new JsonArray();
    tools.forEach(t -> specs.add(t.toJson()));
    return specs;
  }

  /** A digest of the tools' JSON: the first 16 bytes of its SHA-256, in hex. */
  static String versionOf(JsonArray toolsJson) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(toolsJson.encode().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this Java", e);
    }
  }
}
