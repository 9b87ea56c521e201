package agentx.config;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code AGENTX_DATABASE_URL} in the forms users know from the seed, turned into a JDBC URL:
 * {@code sqlite:///relative.db}, {@code sqlite:////abs/path.db}, {@code postgresql://user:pass@host:port/db}
 * or any {@code jdbc:} URL. The user and password of a {@code postgresql://} URL are taken out of
 * the JDBC URL and given to the driver as properties, so they are never part of a printed URL.
 */
public record DatabaseUrl(String jdbcUrl, String user, String password) {

  public enum Kind { SQLITE, POSTGRESQL, OTHER }

  public static DatabaseUrl parse(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("AGENTX_DATABASE_URL is empty");
    }
    url = url.trim();
    if (url.startsWith("jdbc:")) {
      return new DatabaseUrl(url, null, null);
    }
    if (url.startsWith("sqlite:///")) {
      // sqlite:///rel.db → "rel.db"; sqlite:////abs.db → "/abs.db" (SQLAlchemy's convention)
      String path = url.substring("sqlite:///".length());
      if (path.isEmpty()) {
        throw new IllegalArgumentException("AGENTX_DATABASE_URL has no file path: " + url);
      }
      return new DatabaseUrl("jdbc:sqlite:" + path, null, null);
    }
    if (url.startsWith("postgresql://") || url.startsWith("postgres://")) {
      URI uri = URI.create(url);
      String user = null;
      String password = null;
      if (uri.getRawUserInfo() != null) {
        String[] parts = uri.getRawUserInfo().split(":", 2);
        user = decode(parts[0]);
        password = parts.length > 1 ? decode(parts[1]) : null;
      }
      String hostPort = uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
      String query = uri.getRawQuery() != null ? "?" + uri.getRawQuery() : "";
      return new DatabaseUrl("jdbc:postgresql://" + hostPort + uri.getRawPath() + query, user, password);
    }
    throw new IllegalArgumentException("AGENTX_DATABASE_URL must be sqlite:///file.db, postgresql://… or a jdbc: URL, got: "
        + url.replaceAll("//[^@/]*@", "//****@"));
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  public Kind kind() {
    if (jdbcUrl.startsWith("jdbc:sqlite:")) {
      return Kind.SQLITE;
    }
    if (jdbcUrl.startsWith("jdbc:postgresql:")) {
      return Kind.POSTGRESQL;
    }
    return Kind.OTHER;
  }

  /** The SQLite file path, for SQLite URLs. */
  public String sqlitePath() {
    return jdbcUrl.substring("jdbc:sqlite:".length()).replaceFirst("\\?.*$", "");
  }

  /** For logs: no password. */
  public String redacted() {
    return jdbcUrl.replaceAll("(?i)password=[^&;]*", "password=****") + (user != null ? " (user " + user + ")" : "");
  }

  /** The record's generated form would print the password; this one never does. */
  @Override
  public String toString() {
    return redacted();
  }
}
