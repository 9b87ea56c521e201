package agentx.store;

import io.vertx.sqlclient.Tuple;

/**
 * Statement parameters, written the same way on every database. PostgreSQL rejects text containing
 * NUL (U+0000) where SQLite would keep it, so NUL becomes U+FFFD (the replacement character) on
 * both: what is stored does not depend on the backend. JSON columns are unaffected: their encoder
 * already writes NUL as the escape {@code \u0000}.
 */
final class Params {
  static final char NUL = '\u0000';
  static final char REPLACEMENT = '\uFFFD';

  private Params() {}

  static Tuple of(Object... values) {
    Tuple tuple = Tuple.tuple();
    for (Object value : values) {
      tuple.addValue(value instanceof String s ? text(s) : value);
    }
    return tuple;
  }

  static String text(String s) {
    return s.indexOf(NUL) < 0 ? s : s.replace(NUL, REPLACEMENT);
  }
}
