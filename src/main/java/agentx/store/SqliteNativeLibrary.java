package agentx.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Set;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sqlite-jdbc's native library, extracted once per version instead of at every start. Left to
 * itself, the driver lists the whole temporary folder for stale copies, runs {@code uname} in a
 * child process to learn the platform, writes the library under a fresh name and deletes it at exit:
 * about a tenth of a second of every start-up, on the store's critical path. Here the library goes
 * to a folder of this user's own ({@code <tmpdir>/agentx-sqlite-<user>}, mode 700, checked to be
 * ours and not a link) under a name carrying its checksum, is checked against the jar's entry
 * before every use, and the driver is pointed at it ({@code org.sqlite.lib.path},
 * {@code org.sqlite.lib.name}, and {@code org.sqlite.tmpdir} for its clean-up).
 *
 * <p>Only for the platforms whose library folder is known without asking the operating system (Linux
 * with glibc, macOS, Windows on x86_64 and aarch64), and only when nobody set those properties; on
 * anything else, or when any step fails, the driver does as it always did.
 */
final class SqliteNativeLibrary {
  private static final Logger log = LoggerFactory.getLogger(SqliteNativeLibrary.class);
  private static volatile boolean done;

  private SqliteNativeLibrary() {}

  static synchronized void prepare() {
    if (done) {
      return;
    }
    done = true;
    if (System.getProperty("org.sqlite.lib.path") != null || System.getProperty("org.sqlite.lib.name") != null
        || System.getProperty("org.sqlite.tmpdir") != null) {
      return;
    }
    try {
      String resource = resource();
      if (resource == null) {
        return;
      }
      URL url = SqliteNativeLibrary.class.getResource(resource);
      if (url == null) {
        return;
      }
      URLConnection connection = url.openConnection();
      if (!(connection instanceof JarURLConnection jar) || jar.getJarEntry() == null || jar.getJarEntry().getCrc() < 0) {
        return;
      }
      long crc = jar.getJarEntry().getCrc();
      Path folder = ownFolder(Path.of(System.getProperty("java.io.tmpdir")), System.getProperty("user.name", "user"));
      if (folder == null) {
        return;
      }
      String name = resource.substring(resource.lastIndexOf('/') + 1);
      int dot = name.lastIndexOf('.');
      String fileName = name.substring(0, dot) + "-" + Long.toHexString(crc) + name.substring(dot);
      Path file = folder.resolve(fileName);
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || crcOf(file) != crc) {
        Path partial = Files.createTempFile(folder, "partial-", ".tmp");
        try (InputStream in = url.openStream()) {
          Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
          if (crcOf(partial) != crc) {
            Files.deleteIfExists(partial);
            return;
          }
          Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
          Files.deleteIfExists(partial);
        }
      }
      System.setProperty("org.sqlite.lib.path", folder.toString());
      System.setProperty("org.sqlite.lib.name", fileName);
      System.setProperty("org.sqlite.tmpdir", folder.toString());
    } catch (IOException | RuntimeException e) {
      log.debug("SQLite's native library is extracted by the driver itself: {}", e.toString());
    }
  }

  /** The library's resource path in sqlite-jdbc's jar for this platform, or null when it needs the driver's own detection. */
  static String resource() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
      case "amd64", "x86_64" -> "x86_64";
      case "aarch64", "arm64" -> "aarch64";
      default -> null;
    };
    if (arch == null) {
      return null;
    }
    if (os.startsWith("linux")) {
      // musl (Alpine) and Android have libraries of their own: leave those to the driver
      if (Files.exists(Path.of("/lib/ld-musl-" + (arch.equals("x86_64") ? "x86_64" : "aarch64") + ".so.1"))
          || System.getProperty("java.vm.vendor", "").contains("Android")) {
        return null;
      }
      return "/org/sqlite/native/Linux/" + arch + "/libsqlitejdbc.so";
    }
    if (os.startsWith("mac") || os.startsWith("darwin")) {
      return "/org/sqlite/native/Mac/" + arch + "/libsqlitejdbc.dylib";
    }
    if (os.startsWith("windows")) {
      return "/org/sqlite/native/Windows/" + arch + "/sqlitejdbc.dll";
    }
    return null;
  }

  /** {@code <tmp>/agentx-sqlite-<user>}, created 700; null unless it is a real folder of this user's, closed to others. */
  static Path ownFolder(Path tmp, String userName) throws IOException {
    String user = userName.replaceAll("[^A-Za-z0-9._-]", "_");
    Path folder = tmp.resolve("agentx-sqlite-" + user);
    boolean posix = folder.getFileSystem().supportedFileAttributeViews().contains("posix");
    if (!Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
      try {
        if (posix) {
          Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
          Files.createDirectory(folder);
        }
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // another process made it first: checked below like any existing one
      }
    }
    if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    if (posix) {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(folder, LinkOption.NOFOLLOW_LINKS);
      boolean closed = permissions.stream().noneMatch(p -> p.name().startsWith("GROUP_") || p.name().startsWith("OTHERS_"));
      String owner = Files.getOwner(folder, LinkOption.NOFOLLOW_LINKS).getName();
      if (!closed || !owner.equals(userName)) {
        return null;
      }
    }
    return folder;
  }

  private static long crcOf(Path file) throws IOException {
    CRC32 crc = new CRC32();
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      byte[] buffer = new byte[64 * 1024];
      for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
        crc.update(buffer, 0, n);
      }
    }
    return crc.getValue();
  }
}
