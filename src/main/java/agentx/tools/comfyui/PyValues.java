package agentx.tools.comfyui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * How ComfyUI's Python validation sees JSON values: {@code int()}/{@code float()} coercion,
 * numeric comparison and the {@code str()}/{@code repr()} text its messages contain. Numbers are
 * compared as {@link BigDecimal} because seeds go up to 2^64-1, beyond a Java long.
 */
final class PyValues {
  private static final Pattern PY_INT = Pattern.compile("\\s*[+-]?\\d+(_\\d+)*\\s*");
  private static final Pattern PY_FLOAT = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?");

  private PyValues() {}

  /** Thrown where Python's int()/float() would raise; the message is Python's. */
  static final class ConversionError extends Exception {
    ConversionError(String message) {
      super(message, null, false, false);
    }
  }

  /** Python {@code int(value)}: truncates floats, parses decimal strings, refuses "512px" and "20.0". */
  static Object toInt(Object value) throws ConversionError {
    if (value instanceof Boolean b) {
      return b ? 1 : 0;
    }
    if (value instanceof Number n) {
      if (n instanceof Double d && (d.isNaN() || d.isInfinite())) {
        throw new ConversionError(d.isNaN() ? "cannot convert float NaN to integer"
            : "cannot convert float infinity to integer");
      }
      return narrow(decimal(n).toBigInteger());
    }
    if (value instanceof String s) {
      if (PY_INT.matcher(s).matches()) {
        return narrow(new BigInteger(s.strip().replace("_", "")));
      }
      throw new ConversionError("invalid literal for int() with base 10: " + repr(s));
    }
    throw new ConversionError("int() argument must be a string, a bytes-like object or a real number, not '"
        + typeName(value) + "'");
  }

  /** Python {@code float(value)}. */
  static Object toFloat(Object value) throws ConversionError {
    if (value instanceof Boolean b) {
      return b ? 1.0 : 0.0;
    }
    if (value instanceof Number n) {
      return n instanceof BigInteger || n instanceof BigDecimal ? decimal(n).doubleValue() : n.doubleValue();
    }
    if (value instanceof String s) {
      String t = s.strip().replace("_", "").toLowerCase(Locale.ROOT);
      if (t.matches("[+-]?(inf|infinity)")) {
        return t.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
      }
      if (t.matches("[+-]?nan")) {
        return Double.NaN;
      }
      if (PY_FLOAT.matcher(t).matches()) {
        return Double.parseDouble(t);
      }
      throw new ConversionError("could not convert string to float: " + repr(s));
    }
    throw new ConversionError("float() argument must be a string or a real number, not '" + typeName(value) + "'");
  }

  /** Python {@code str(value)} as the value a STRING input receives. */
  static String toStr(Object value) {
    return str(value);
  }

  /** Python truthiness, {@code bool(value)}. */
  static boolean toBool(Object value) {
    if (value == null) {
      return false;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof Number n) {
      return decimal(n).signum() != 0;
    }
    if (value instanceof String s) {
      return !s.isEmpty();
    }
    if (value instanceof JsonArray a) {
      return !a.isEmpty();
    }
    if (value instanceof JsonObject o) {
      return !o.isEmpty();
    }
    return true;
  }

  static boolean isNumber(Object value) {
    return value instanceof Number || value instanceof Boolean;
  }

  static BigDecimal decimal(Object value) {
    if (value instanceof Boolean b) {
      return b ? BigDecimal.ONE : BigDecimal.ZERO;
    }
    if (value instanceof BigDecimal d) {
      return d;
    }
    if (value instanceof BigInteger i) {
      return new BigDecimal(i);
    }
    if (value instanceof Double || value instanceof Float) {
      return new BigDecimal(Double.toString(((Number) value).doubleValue()));
    }
    return new BigDecimal(((Number) value).longValue());
  }

  /** Python's {@code a < b} for numbers; false when either is not a comparable number (NaN included). */
  static int compare(Object a, Object b) {
    return decimal(a).compareTo(decimal(b));
  }

  static boolean comparable(Object value) {
    if (!isNumber(value)) {
      return false;
    }
    return !(value instanceof Double d) || (!d.isNaN() && !d.isInfinite());
  }

  /** Python {@code ==} between JSON values (1 == 1.0, "1" != 1). */
  static boolean pyEquals(Object a, Object b) {
    if (comparable(a) && comparable(b)) {
      return compare(a, b) == 0;
    }
    return a == null ? b == null : a.equals(b);
  }

  /** Python {@code str()} of a JSON value. */
  static String str(Object value) {
    if (value instanceof String s) {
      return s;
    }
    return repr(value);
  }

  /** Python {@code repr()} of a JSON value, as it appears inside ComfyUI's messages. */
  static String repr(Object value) {
    if (value == null) {
      return "None";
    }
    if (value instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (value instanceof String s) {
      return reprString(s);
    }
    if (value instanceof Double d) {
      return floatRepr(d);
    }
    if (value instanceof Float f) {
      return floatRepr(f.doubleValue());
    }
    if (value instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (value instanceof Number n) {
      return n.toString();
    }
    if (value instanceof JsonArray a) {
      return reprList(a.getList());
    }
    if (value instanceof List<?> l) {
      return reprList(l);
    }
    if (value instanceof JsonObject o) {
      StringJoiner j = new StringJoiner(", ", "{", "}");
      o.forEach(e -> j.add(reprString(e.getKey()) + ": " + repr(e.getValue())));
      return j.toString();
    }
    return String.valueOf(value);
  }

  private static String reprList(List<?> list) {
    StringJoiner j = new StringJoiner(", ", "[", "]");
    for (Object item : list) {
      j.add(repr(item));
    }
    return j.toString();
  }

  /** Python prefers single quotes, switching to double quotes when the text has a ' and no ". */
  private static String reprString(String s) {
    char quote = s.contains("'") && !s.contains("\"") ? '"' : '\'';
    StringBuilder b = new StringBuilder().append(quote);
    for (char c : s.toCharArray()) {
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c == quote) {
            b.append('\\');
          }
          b.append(c);
        }
      }
    }
    return b.append(quote).toString();
  }

  /** Python float repr for the common range: 1.0, 0.5, 1e-05, 1e+16, inf, nan. */
  static String floatRepr(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    String s = Double.toString(d); // Java switches to 1.0E-5 / 1.0E7 notation at other bounds than Python
    if (!s.contains("E")) {
      return s;
    }
    double abs = Math.abs(d);
    if (abs >= 1e-4 && abs < 1e16) {
      String plain = new BigDecimal(s).toPlainString();
      return plain.contains(".") ? plain : plain + ".0";
    }
    String mantissa = s.substring(0, s.indexOf('E')).replaceAll("\\.0$", "");
    int exp = Integer.parseInt(s.substring(s.indexOf('E') + 1));
    return mantissa + "e" + (exp < 0 ? "-" : "+") + String.format(Locale.ROOT, "%02d", Math.abs(exp));
  }

  static String typeName(Object value) {
    if (value == null) {
      return "NoneType";
    }
    if (value instanceof JsonObject) {
      return "dict";
    }
    if (value instanceof JsonArray) {
      return "list";
    }
    if (value instanceof Boolean) {
      return "bool";
    }
    if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
      return "float";
    }
    if (value instanceof Number) {
      return "int";
    }
    return "str";
  }

  /** Keeps small integers as Integer/Long so JSON round-trips look like the input. */
  private static Number narrow(BigInteger value) {
    if (value.bitLength() < 32) {
      return value.intValue();
    }
    if (value.bitLength() < 64) {
      return value.longValue();
    }
    return value;
  }
}
