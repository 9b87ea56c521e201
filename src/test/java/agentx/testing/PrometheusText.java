package agentx.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), written from the format's
 * specification because no Java parser of it is published on Maven Central: {@code # HELP} and
 * {@code # TYPE} lines, samples with escaped label values, {@code +Inf}/{@code -Inf}/{@code NaN},
 * optional timestamps. It refuses what a Prometheus server would refuse (a bad name, an unclosed
 * label set, a second TYPE, a TYPE after its samples, a sample of a histogram without a known suffix,
 * buckets that are not cumulative or whose {@code +Inf} bucket is not the count), so a scrape that
 * reads here is one Prometheus reads.
 */
public final class PrometheusText {
  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final List<String> TYPES = List.of("counter", "gauge", "histogram", "summary", "untyped");

  /** One sample line. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  /** A metric family: its TYPE, HELP and samples. */
  public record Family(String name, String type, String help, List<Sample> samples) {}

  private final Map<String, Family> families = new LinkedHashMap<>();

  private PrometheusText() {}

  public static PrometheusText parse(String text) {
    PrometheusText out = new PrometheusText();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      try {
        out.line(lines[i]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("line " + (i + 1) + " '" + lines[i] + "': " + e.getMessage(), e);
      }
    }
    out.families.values().stream().filter(f -> f.type().equals("histogram")).forEach(PrometheusText::checkHistogram);
    return out;
  }

  public Map<String, Family> families() {
    return families;
  }

  public Family family(String name) {
    return families.get(name);
  }

  /** The value of the sample {@code name} whose labels include {@code labels}; 0 when there is none (a meter not yet moved). */
  public double value(String name, String... labelPairs) {
    Map<String, String> wanted = pairs(labelPairs);
    return samples(name).stream().filter(s -> s.labels().entrySet().containsAll(wanted.entrySet()))
        .mapToDouble(Sample::value).sum();
  }

  /** Every sample called {@code name}, whatever its family. */
  public List<Sample> samples(String name) {
    List<Sample> out = new ArrayList<>();
    families.values().forEach(f -> f.samples().stream().filter(s -> s.name().equals(name)).forEach(out::add));
    return out;
  }

  private void line(String line) {
    if (line.isBlank()) {
      return;
    }
    if (line.startsWith("#")) {
      String[] parts = line.substring(1).trim().split("\\s+", 3);
      if (parts.length >= 2 && (parts[0].equals("HELP") || parts[0].equals("TYPE"))) {
        String name = requireName(parts[1]);
        String rest = parts.length > 2 ? parts[2] : "";
        Family current = families.get(name);
        if (parts[0].equals("TYPE")) {
          if (!TYPES.contains(rest)) {
            throw new IllegalArgumentException("unknown type '" + rest + "'");
          }
          if (current != null && current.type() != null) {
            throw new IllegalArgumentException("a second TYPE for " + name);
          }
          if (current != null && !current.samples().isEmpty()) {
            throw new IllegalArgumentException("TYPE of " + name + " after its samples");
          }
          families.put(name, new Family(name, rest, current == null ? null : current.help(), new ArrayList<>()));
        } else {
          families.put(name, new Family(name, current == null ? null : current.type(), rest,
              current == null ? new ArrayList<>() : current.samples()));
        }
      }
      return; // any other comment is ignored, as the format says
    }
    sample(line);
  }

  private void sample(String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ' && line.charAt(i) != '\t') {
      i++;
    }
    String name = requireName(line.substring(0, i));
    Map<String, String> labels = new TreeMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i = labels(line, i + 1, labels);
    }
    String[] rest = line.substring(i).trim().split("\\s+");
    if (rest.length < 1 || rest.length > 2 || rest[0].isEmpty()) {
      throw new IllegalArgumentException("expected a value and an optional timestamp");
    }
    double value = number(rest[0]);
    if (rest.length == 2) {
      Long.parseLong(rest[1]);
    }
    familyOf(name).samples().add(new Sample(name, labels, value));
  }

  /** Reads {@code name="value",...}} from {@code i}; answers the index after the closing brace. */
  private static int labels(String line, int i, Map<String, String> labels) {
    while (true) {
      while (i < line.length() && line.charAt(i) == ' ') {
        i++;
      }
      if (i < line.length() && line.charAt(i) == '}') {
        return i + 1;
      }
      int eq = line.indexOf('=', i);
      if (eq < 0) {
        throw new IllegalArgumentException("label without '='");
      }
      String label = line.substring(i, eq).trim();
      if (!LABEL_NAME.matcher(label).matches()) {
        throw new IllegalArgumentException("bad label name '" + label + "'");
      }
      i = eq + 1;
      if (i >= line.length() || line.charAt(i) != '"') {
        throw new IllegalArgumentException("label value of " + label + " is not quoted");
      }
      StringBuilder value = new StringBuilder();
      i++;
      while (true) {
        if (i >= line.length()) {
          throw new IllegalArgumentException("unterminated label value of " + label);
        }
        char c = line.charAt(i++);
        if (c == '"') {
          break;
        }
        if (c == '\\') {
          char escaped = i < line.length() ? line.charAt(i++) : ' ';
          switch (escaped) {
            case '\\' -> value.append('\\');
            case '"' -> value.append('"');
            case 'n' -> value.append('\n');
            default -> throw new IllegalArgumentException("bad escape \\" + escaped + " in label " + label);
          }
        } else {
          value.append(c);
        }
      }
      if (labels.put(label, value.toString()) != null) {
        throw new IllegalArgumentException("label " + label + " twice");
      }
      if (i < line.length() && line.charAt(i) == ',') {
        i++;
      } else if (i >= line.length() || line.charAt(i) != '}') {
        throw new IllegalArgumentException("expected ',' or '}' after label " + label);
      }
    }
  }

  /** The family a sample belongs to: its own name, or a histogram's/summary's name for its suffixed samples. */
  private Family familyOf(String sample) {
    for (String suffix : List.of("_bucket", "_sum", "_count", "_created")) {
      if (sample.endsWith(suffix)) {
        Family base = families.get(sample.substring(0, sample.length() - suffix.length()));
        if (base != null && ("histogram".equals(base.type()) || "summary".equals(base.type()))) {
          if (suffix.equals("_bucket") && !"histogram".equals(base.type())) {
            throw new IllegalArgumentException("_bucket sample of a summary");
          }
          return base;
        }
      }
    }
    Family own = families.get(sample);
    if (own != null && ("histogram".equals(own.type()))) {
      throw new IllegalArgumentException("histogram sample " + sample + " without _bucket, _sum or _count");
    }
    return families.computeIfAbsent(sample, n -> new Family(n, "untyped", null, new ArrayList<>()));
  }

  private static void checkHistogram(Family family) {
    Map<Map<String, String>, List<Sample>> bySeries = new LinkedHashMap<>();
    Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
    for (Sample s : family.samples()) {
      Map<String, String> series = new TreeMap<>(s.labels());
      series.remove("le");
      if (s.name().endsWith("_bucket")) {
        if (!s.labels().containsKey("le")) {
          throw new IllegalArgumentException(family.name() + ": a bucket without le");
        }
        bySeries.computeIfAbsent(series, k -> new ArrayList<>()).add(s);
      } else if (s.name().endsWith("_count")) {
        counts.put(series, s.value());
      }
    }
    bySeries.forEach((series, buckets) -> {
      buckets.sort((a, b) -> Double.compare(number(a.labels().get("le")), number(b.labels().get("le"))));
      double previous = 0;
      for (Sample b : buckets) {
        if (b.value() < previous) {
          throw new IllegalArgumentException(family.name() + series + ": buckets are not cumulative");
        }
        previous = b.value();
      }
      Sample last = buckets.get(buckets.size() - 1);
      if (!"+Inf".equals(last.labels().get("le"))) {
        throw new IllegalArgumentException(family.name() + series + ": no +Inf bucket");
      }
      Double count = counts.get(series);
      if (count == null || count != last.value()) {
        throw new IllegalArgumentException(family.name() + series + ": +Inf bucket " + last.value() + " is not the count " + count);
      }
    });
  }

  private static String requireName(String name) {
    if (!METRIC_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("bad metric name '" + name + "'");
    }
    return name;
  }

  private static double number(String text) {
    return switch (text) {
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(text);
    };
  }

  private static Map<String, String> pairs(String... labelPairs) {
    Map<String, String> out = new TreeMap<>();
    for (int i = 0; i + 1 < labelPairs.length; i += 2) {
      out.put(labelPairs[i], labelPairs[i + 1]);
    }
    return out;
  }
}
