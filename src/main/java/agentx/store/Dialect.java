package agentx.store;

/**
 * What differs between the two databases, in one place. The SQL of {@link Sql} is written once for
 * both; only row locking differs: PostgreSQL has concurrent writers (several store nodes, a pool of
 * write connections) and needs {@code FOR UPDATE}, while SQLite has one writer that already
 * serializes every write transaction and does not know the clause.
 */
enum Dialect {
  SQLITE("sqlite") {
    @Override
    String forUpdate(String select) {
      return select;
    }
  },
  POSTGRESQL("postgresql") {
    @Override
    String forUpdate(String select) {
      return select + " FOR UPDATE";
    }
  };

  private final String migrationFolder;

  Dialect(String migrationFolder) {
    this.migrationFolder = migrationFolder;
  }

  /** {@code select} made to lock the rows it reads until the transaction ends. */
  abstract String forUpdate(String select);

  /** Flyway location of this database's migrations (the SQL types differ, the tables do not). */
  String migrations() {
    return "classpath:db/migration/" + migrationFolder;
  }

  /** Name for logs and the health answer. */
  String label() {
    return migrationFolder;
  }
}
