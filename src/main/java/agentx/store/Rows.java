package agentx.store;

import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;

/** Reading columns the same way whatever the driver returns (SQLite gives Integer or Long, PostgreSQL Long). */
final class Rows {
  private Rows() {}

  static long lng(Row row, String column) {
    Object v = row.getValue(column);
    return v instanceof Number n ? n.longValue() : 0L;
  }

  static String str(Row row, String column) {
    Object v = row.getValue(column);
    return v == null ? null : v.toString();
  }

  /** A JSON array column's text as an array; NULL or empty is an empty array. */
  static JsonArray jsonArray(String text) {
    return text == null || text.isEmpty() ? new JsonArray() : new JsonArray(text);
  }

  static Row first(RowSet<Row> rows) {
    var it = rows.iterator();
    return it.hasNext() ? it.next() : null;
  }

  static long count(RowSet<Row> rows) {
    Row row = first(rows);
    return row == null ? 0 : lng(row, "n");
  }
}
