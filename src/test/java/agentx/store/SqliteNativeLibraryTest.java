package agentx.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("SQLite's native library, extracted once into a folder of the user's own")
class SqliteNativeLibraryTest {
  @TempDir Path tmp;
  String me;

  @BeforeEach
  void posixOnly() throws Exception {
    assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
    me = Files.getOwner(tmp).getName();
  }

  @Test
  @DisplayName("a new folder is made closed to others (700) and used")
  void creates() throws Exception {
    Path folder = SqliteNativeLibrary.ownFolder(tmp, me);
    assertThat(folder).isEqualTo(tmp.resolve("agentx-sqlite-" + me));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folder))).isEqualTo("rwx------");
    assertThat(SqliteNativeLibrary.ownFolder(tmp, me)).as("found again").isEqualTo(folder);
  }

  @Test
  @DisplayName("a folder others can enter, a link, or a folder of another user is not used")
  void refusesWhatIsNotOurs() throws Exception {
    Path open = Files.createDirectory(tmp.resolve("agentx-sqlite-" + me), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwxr-xr-x")));
    assertThat(SqliteNativeLibrary.ownFolder(tmp, me)).isNull();

    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwx------"));
    Path other = Files.createDirectories(tmp.resolve("other"));
    Files.createSymbolicLink(other.resolve("agentx-sqlite-" + me), elsewhere);
    assertThat(SqliteNativeLibrary.ownFolder(other, me)).as("a symbolic link").isNull();

    // a private folder whose owner is not the user asking (we own it; "someone-else" does not)
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwx------"));
    Files.move(open, tmp.resolve("agentx-sqlite-someone-else"));
    assertThat(SqliteNativeLibrary.ownFolder(tmp, "someone-else")).isNull();
  }

  @Test
  @DisplayName("this platform's library is where the driver's jar keeps it")
  void resourceExists() {
    String resource = SqliteNativeLibrary.resource();
    assumeTrue(resource != null, "a platform left to the driver");
    assertThat(SqliteNativeLibrary.class.getResource(resource)).as(resource).isNotNull();
  }
}
