package agentx.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * What differs between the two databases, in one place. The SQL of {@link Sql} is written once for
 * both; only row locking differs: PostgreSQL has concurrent writers (several store nodes, a pool of
 * write connections) and needs {@code FOR UPDATE}, while SQLite has one writer that already
 * serializes every write transaction and does not know the clause. And how the store asks whether it
 * may write ({@link #writeProbe}).
 */
enum Dialect {
  SQLITE("sqlite") {
    @Override
    String forUpdate(String select) {
      return select;
    }

    @Override
    void writeProbe(Connection jdbc) throws SQLException {
      // setting the header's user version (to what it is) writes page 1: a real write, no row touched
      Integer version = Jdbc.first(jdbc, "PRAGMA user_version", row -> row.getInt(1));
      Jdbc.update(jdbc, "PRAGMA user_version = " + (version == null ? 0 : version));
    }
  },
  POSTGRESQL("postgresql") {
    @Override
    String forUpdate(String select) {
      return select + " FOR UPDATE";
    }

    @Override
    void writeProbe(Connection jdbc) throws SQLException {
      // an UPDATE is refused in a read-only transaction (a standby, default_transaction_read_only) even when it
      // matches no row; a transaction id's commit writes a log record (a full disk)
      Jdbc.update(jdbc, "UPDATE sessions SET state = state WHERE 1 = 0");
      Jdbc.first(jdbc, "SELECT txid_current()", row -> row.getLong(1));
    }
  };

  private final String migrationFolder;

  Dialect(String migrationFolder) {
    this.migrationFolder = migrationFolder;
  }

  /** {@code select} made to lock the rows it reads until the transaction ends. */
  abstract String forUpdate(String select);

  /** Inside a write transaction: a write that changes no row and fails where the database refuses writes. */
  abstract void writeProbe(Connection jdbc) throws SQLException;

  /** Flyway location of this database's migrations (the SQL types differ, the tables do not). */
  String migrations() {
    return "classpath:db/migration/" + migrationFolder;
  }

  /** Name for logs and the health answer. */
  String label() {
    return migrationFolder;
  }
}
