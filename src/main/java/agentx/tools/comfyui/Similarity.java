package agentx.tools.comfyui;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** Finds the valid names closest to a wrong one, for "did you mean" suggestions. */
final class Similarity {
  private Similarity() {}

  /**
   * Up to {@code limit} candidates, best first: a case-insensitive match, then names that contain
   * (or are contained in) the wrong one ignoring punctuation, then the smallest edit distance. Names
   * too far off to be a plausible typo are left out.
   */
  static List<String> closest(String wrong, Collection<String> candidates, int limit) {
    String w = normalize(wrong);
    record Scored(String name, double score) {}
    List<Scored> scored = new ArrayList<>();
    for (String candidate : candidates) {
      String c = normalize(candidate);
      double score;
      if (candidate.equalsIgnoreCase(wrong)) {
        score = 0;
      } else if (c.equals(w)) {
        score = 0.5;
      } else if (!w.isEmpty() && (c.contains(w) || w.contains(c)) && Math.min(c.length(), w.length()) >= 2) {
        score = 1 + Math.abs(c.length() - w.length()) / 100.0;
      } else {
        int distance = levenshtein(wrong.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
        int longest = Math.max(wrong.length(), candidate.length());
        if (distance > Math.max(2, longest / 2)) {
          continue;
        }
        score = 2 + distance;
      }
      scored.add(new Scored(candidate, score));
    }
    scored.sort(Comparator.comparingDouble(Scored::score).thenComparing(Scored::name));
    List<String> result = new ArrayList<>();
    for (int i = 0; i < scored.size() && i < limit; i++) {
      result.add(scored.get(i).name());
    }
    return result;
  }

  /** Lower case without punctuation, so "DPM++ 2M" and "dpmpp_2m" have a chance to meet. */
  private static String normalize(String s) {
    return s.toLowerCase(Locale.ROOT).replace("++", "pp").replaceAll("[^a-z0-9]", "");
  }

  static int levenshtein(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
