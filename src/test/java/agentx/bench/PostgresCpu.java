package agentx.bench;

import agentx.testing.TestDatabases.Backend;
import agentx.testing.TestDatabases.TestDatabase;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The CPU time of a PostgreSQL server's processes, read from {@code /proc}: the postmaster's own and what
 * its children that have exited used ({@code cutime}, {@code cstime}: a backend that ends is reaped by
 * it), plus every live child's (the backends serving the runtime's connections, the checkpointer, the WAL
 * writer, autovacuum). The runtime's own CPU column cannot show what its appends cost PostgreSQL, which
 * runs on the same two cores; this does, per event.
 */
final class PostgresCpu {
  private final long postmaster;

  private PostgresCpu(long postmaster) {
    this.postmaster = postmaster;
  }

  /** The server of {@code db} when it is PostgreSQL on this machine and /proc can be read; null otherwise. */
  static PostgresCpu of(TestDatabase db) {
    if (db.backend() != Backend.POSTGRESQL) {
      return null;
    }
    // the backend's parent is read while its connection is open: a backend ends with its connection
    try (Connection connection = db.connect();
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT pg_backend_pid()")) {
      row.next();
      long parent = Long.parseLong(BenchProcess.statFields(Path.of("/proc", String.valueOf(row.getLong(1)), "stat"))[1]);
      PostgresCpu cpu = new PostgresCpu(parent);
      return cpu.cpuNanos() < 0 ? null : cpu;
    } catch (IOException | SQLException | RuntimeException e) {
      return null;
    }
  }

  /** The server's processes' CPU time so far, in nanoseconds; -1 when it cannot be read. */
  long cpuNanos() {
    try {
      String[] own = BenchProcess.statFields(Path.of("/proc", String.valueOf(postmaster), "stat"));
      long ticks = BenchProcess.cpuTicks(own) + Long.parseLong(own[13]) + Long.parseLong(own[14]); // with cutime, cstime
      try (DirectoryStream<Path> all = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
        for (Path process : all) {
          try {
            String[] f = BenchProcess.statFields(process.resolve("stat"));
            if (Long.parseLong(f[1]) == postmaster) {
              ticks += BenchProcess.cpuTicks(f);
            }
          } catch (IOException | RuntimeException gone) {
            // ended between the listing and the read: its time is in the postmaster's cutime now
          }
        }
      }
      return ticks * (1_000_000_000L / BenchProcess.CLOCK_TICKS);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
