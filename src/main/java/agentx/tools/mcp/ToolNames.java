package agentx.tools.mcp;

import agentx.protocol.ToolSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/** Registry names of external tools: {@code mcp__<server>__<tool>}, valid Claude tool names. */
final class ToolNames {
  static final int MAX = 64;
  private static final int HASH_CHARS = 8;

  private ToolNames() {}

  /** Characters Claude does not accept become {@code _}. */
  static String sanitize(String part) {
    String clean = part.replaceAll("[^a-zA-Z0-9_-]", "_");
    return clean.isEmpty() ? "_" : clean;
  }

  /**
   * The registry name of {@code tool} on {@code server}. When the plain name is too long or already
   * taken (two names that differ only in replaced characters), it is cut and given a hash suffix of
   * the original names, so it stays unique and stable across restarts.
   */
  static String external(String server, String tool, Set<String> taken) {
    String plain = "mcp__" + sanitize(server) + "__" + sanitize(tool);
    if (plain.length() <= MAX && !taken.contains(plain)) {
      return plain;
    }
    String suffix = "_" + hash(server + "\u0000" + tool);
    String candidate = plain.substring(0, Math.min(plain.length(), MAX - suffix.length())) + suffix;
    if (!ToolSpec.NAME.matcher(candidate).matches()) {
      throw new IllegalStateException("could not name tool " + tool + " of " + server);
    }
    return candidate;
  }

  private static String hash(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, HASH_CHARS - 1);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
