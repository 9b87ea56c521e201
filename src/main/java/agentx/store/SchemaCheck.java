package agentx.store;

import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * Whether a database already has every migration this build ships, read from Flyway's history
 * table with one query, so that a start on an existing database need not load and run Flyway (about
 * half a second of class loading and validation). Anything unusual (no history table, a migration
 * not applied or failed, one applied that this build does not have, resources that cannot be listed)
 * answers false and Flyway runs as always, with its own checks and errors. What this skips is
 * Flyway's checksum validation of migrations already applied.
 */
final class SchemaCheck {
  private static final Pattern VERSIONED = Pattern.compile("V[0-9][0-9_.]*__.+\\.sql");

  private SchemaCheck() {}

  static boolean current(DataSource dataSource, String folder) {
    Set<String> shipped = shipped(folder);
    if (shipped == null || shipped.isEmpty()) {
      return false;
    }
    return shipped.equals(applied(dataSource));
  }

  /** The versioned migration scripts under {@code folder} on the classpath (a directory or a jar), or null. */
  static Set<String> shipped(String folder) {
    URL url = SchemaCheck.class.getClassLoader().getResource(folder);
    if (url == null) {
      return null;
    }
    Set<String> names = new HashSet<>();
    try {
      switch (url.getProtocol()) {
        case "file" -> {
          try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
            files.map(p -> p.getFileName().toString()).forEach(names::add);
          }
        }
        case "jar" -> {
          JarURLConnection connection = (JarURLConnection) url.openConnection();
          connection.setUseCaches(true);
          String entry = connection.getEntryName();
          String prefix = entry.endsWith("/") ? entry : entry + "/";
          Enumeration<JarEntry> entries = connection.getJarFile().entries();
          while (entries.hasMoreElements()) {
            String name = entries.nextElement().getName();
            if (name.startsWith(prefix) && name.indexOf('/', prefix.length()) < 0 && name.length() > prefix.length()) {
              names.add(name.substring(prefix.length()));
            }
          }
        }
        default -> {
          return null;
        }
      }
    } catch (IOException | URISyntaxException | RuntimeException e) {
      return null;
    }
    names.removeIf(name -> !VERSIONED.matcher(name).matches());
    return names;
  }

  /** The versioned scripts Flyway recorded, or null when any failed or there is no history to read. */
  static Set<String> applied(DataSource dataSource) {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT script, success FROM flyway_schema_history WHERE version IS NOT NULL")) {
      Set<String> scripts = new HashSet<>();
      while (rows.next()) {
        if (!rows.getBoolean("success")) {
          return null;
        }
        scripts.add(rows.getString("script"));
      }
      return scripts;
    } catch (SQLException e) {
      return null;
    }
  }
}
