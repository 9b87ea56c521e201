import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which young objects a G1 young pause copies only because dead old-generation objects point at them
 * ("GC nepotism"), and who holds the young objects that are really alive. Reads a heap dump taken
 * with every object in it and the G1 region log of the same JVM up to the dump.
 *
 * <pre>
 * java -Xlog:gc+region=trace:file=regions.log:uptime -jar target/agentx.jar     # the server, under load
 * jcmd PID GC.heap_dump -all /tmp/heap.hprof                                     # -all: the dead objects too
 * # cut regions.log at the dump: the dump is the gap of a second or more in its timestamps
 * java -Xmx8g scripts/GcNepotism.java /tmp/heap.hprof regions-cut.log [region size in MiB, default 4]
 * </pre>
 *
 * A region's kind is its last ALLOC event in the log (a collection set's regions are free again).
 * Live means reachable from the dump's GC roots; a class's statics count as roots.
 */
public final class GcNepotism {
  private static final Map<Long, String> strings = new HashMap<>();
  private static final Map<Long, Long> classNames = new HashMap<>();
  private static final Map<Long, Long> superClass = new HashMap<>();
  private static final Map<Long, byte[]> fieldTypes = new HashMap<>();
  private static final Map<Long, long[]> fieldNames = new HashMap<>();
  private static final Set<Long> roots = new HashSet<>();
  private static final List<Long> classes = new ArrayList<>();
  private static final Map<Long, Integer> classIndex = new HashMap<>();
  private static final List<String> fields = new ArrayList<>();
  private static final Map<String, Integer> fieldIndex = new HashMap<>();
  private static int idSize;
  private static MappedByteBuffer[] maps;
  private static long fileSize;

  // objects, in dump order, and their references in one array (refStart[i] .. refStart[i + 1])
  private static long[] ids = new long[1 << 20];
  private static int[] cls = new int[1 << 20];
  private static int[] size = new int[1 << 20];
  private static int[] refStart = new int[1 << 20];
  private static long[] refs = new long[1 << 22];
  private static int[] refField = new int[1 << 22];
  private static int n;
  private static int nrefs;

  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: java -Xmx8g scripts/GcNepotism.java HEAP.hprof REGIONS.log [region MiB]");
      System.exit(2);
    }
    map(Path.of(args[0]));
    long p = 0;
    while (u1(p) != 0) {
      p++;
    }
    idSize = u4(p + 1);
    long body = p + 13;
    for (int pass = 0; pass < 2; pass++) { // classes first, then the objects that need them
      p = body;
      while (p < fileSize) {
        int tag = u1(p);
        long length = u4(p + 5) & 0xffffffffL;
        long b = p + 9;
        if (pass == 0 && tag == 0x01) {
          byte[] s = new byte[(int) length - idSize];
          for (int i = 0; i < s.length; i++) {
            s[i] = (byte) u1(b + idSize + i);
          }
          strings.put(id(b), new String(s, StandardCharsets.UTF_8));
        } else if (pass == 0 && tag == 0x02) {
          classNames.put(id(b + 4), id(b + 8 + idSize));
        } else if (tag == 0x0C || tag == 0x1C) {
          heapRecords(b, b + length, pass == 1);
        }
        p = b + length;
      }
    }
    System.out.printf("%,d objects, %,d references%n", n, nrefs);
    report(Path.of(args[1]), args.length > 2 ? 20 + Integer.numberOfTrailingZeros(Integer.parseInt(args[2])) : 22);
  }

  private static void map(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path)) {
      fileSize = channel.size();
      int count = (int) ((fileSize + (1L << 30) - 1) >>> 30);
      maps = new MappedByteBuffer[count];
      for (int i = 0; i < count; i++) {
        long start = (long) i << 30;
        maps[i] = channel.map(FileChannel.MapMode.READ_ONLY, start, Math.min(fileSize - start, (1L << 30) + 64));
      }
    }
  }

  private static int u1(long p) {
    return maps[(int) (p >>> 30)].get((int) (p & ((1 << 30) - 1))) & 0xff;
  }

  private static int u2(long p) {
    return (u1(p) << 8) | u1(p + 1);
  }

  private static int u4(long p) {
    return (u2(p) << 16) | u2(p + 2);
  }

  private static long id(long p) {
    return idSize == 8 ? ((long) u4(p) << 32) | (u4(p + 4) & 0xffffffffL) : u4(p) & 0xffffffffL;
  }

  private static int sizeOf(int type) {
    return switch (type) {
      case 2 -> idSize;
      case 4, 8 -> 1;
      case 5, 9 -> 2;
      case 6, 10 -> 4;
      case 7, 11 -> 8;
      default -> throw new IllegalStateException("basic type " + type);
    };
  }

  private static void heapRecords(long p, long end, boolean objects) {
    while (p < end) {
      int tag = u1(p++);
      switch (tag) {
        case 0xFF, 0x05, 0x07 -> { root(objects, p); p += idSize; }
        case 0x01 -> { root(objects, p); p += 2L * idSize; }
        case 0x02, 0x03, 0x08 -> { root(objects, p); p += idSize + 8; }
        case 0x04, 0x06 -> { root(objects, p); p += idSize + 4; }
        case 0x20 -> p = classDump(p, objects);
        case 0x21 -> { // instance: id, stack serial, class id, byte count, field values (class first, then its supers)
          long classId = id(p + 4 + idSize);
          int bytes = u4(p + 4 + 2L * idSize);
          long values = p + 8 + 2L * idSize;
          if (objects) {
            add(id(p), indexOf(classId), bytes + 16);
            long f = values;
            for (long c = classId; c != 0 && fieldTypes.containsKey(c); c = superClass.get(c)) {
              byte[] types = fieldTypes.get(c);
              long[] names = fieldNames.get(c);
              for (int i = 0; i < types.length; i++) {
                if (types[i] == 2 && id(f) != 0) {
                  ref(id(f), field(strings.getOrDefault(names[i], "?")));
                }
                f += sizeOf(types[i]);
              }
            }
          }
          p = values + bytes;
        }
        case 0x22 -> { // object array: id, stack serial, length, array class id, elements
          int length = u4(p + 4 + idSize);
          long elements = p + 8 + 2L * idSize;
          if (objects) {
            add(id(p), indexOf(id(p + 8 + idSize)), 16 + length * 4);
            int element = field("[]");
            for (int i = 0; i < length; i++) {
              long r = id(elements + (long) i * idSize);
              if (r != 0) {
                ref(r, element);
              }
            }
          }
          p = elements + (long) length * idSize;
        }
        case 0x23 -> { // primitive array: id, stack serial, length, element type, elements
          int length = u4(p + 4 + idSize);
          int type = u1(p + 8 + idSize);
          if (objects) {
            add(id(p), indexOf(-type), 16 + length * sizeOf(type));
          }
          p += 9 + idSize + (long) length * sizeOf(type);
        }
        default -> throw new IllegalStateException("heap record tag 0x" + Integer.toHexString(tag) + " at " + p);
      }
    }
  }

  private static void root(boolean objects, long p) {
    if (objects) {
      roots.add(id(p));
    }
  }

  /** A class: id, stack serial, super, loader, signers, domain, two reserved, instance size, constants, statics, fields. */
  private static long classDump(long p, boolean objects) {
    long classId = id(p);
    long q = p + 8 + 7L * idSize;
    int constants = u2(q);
    q += 2;
    for (int i = 0; i < constants; i++) {
      q += 3 + sizeOf(u1(q + 2));
    }
    int statics = u2(q);
    q += 2;
    List<Long> staticRefs = new ArrayList<>();
    for (int i = 0; i < statics; i++) {
      int type = u1(q + idSize);
      if (type == 2 && id(q + idSize + 1) != 0) {
        staticRefs.add(id(q + idSize + 1));
      }
      q += idSize + 1 + sizeOf(type);
    }
    int count = u2(q);
    q += 2;
    byte[] types = new byte[count];
    long[] names = new long[count];
    for (int i = 0; i < count; i++) {
      names[i] = id(q);
      types[i] = (byte) u1(q + idSize);
      q += idSize + 1;
    }
    if (objects) {
      roots.add(classId);
      add(classId, indexOf(classId), 0);
      int name = field("<static>");
      staticRefs.forEach(r -> ref(r, name));
    } else {
      superClass.put(classId, id(p + 4 + idSize));
      fieldTypes.put(classId, types);
      fieldNames.put(classId, names);
    }
    return q;
  }

  private static int field(String name) {
    return fieldIndex.computeIfAbsent(name, k -> {
      fields.add(k);
      return fields.size() - 1;
    });
  }

  private static int indexOf(long classId) {
    return classIndex.computeIfAbsent(classId, k -> {
      classes.add(k);
      return classes.size() - 1;
    });
  }

  private static void add(long id, int classIdx, int bytes) {
    if (n == ids.length) {
      ids = Arrays.copyOf(ids, n * 2);
      cls = Arrays.copyOf(cls, n * 2);
      size = Arrays.copyOf(size, n * 2);
      refStart = Arrays.copyOf(refStart, n * 2);
    }
    ids[n] = id;
    cls[n] = classIdx;
    size[n] = bytes;
    refStart[n++] = nrefs;
  }

  private static void ref(long target, int fieldIdx) {
    if (nrefs == refs.length) {
      refs = Arrays.copyOf(refs, nrefs * 2);
      refField = Arrays.copyOf(refField, nrefs * 2);
    }
    refs[nrefs] = target;
    refField[nrefs++] = fieldIdx;
  }

  private static String className(int index) {
    long classId = classes.get(index);
    if (classId < 0) {
      return "primitive[] of type " + (-classId);
    }
    Long name = classNames.get(classId);
    return name == null ? "?" : strings.getOrDefault(name, "?");
  }

  private static String describe(int from, int ref) {
    return className(cls[from]) + "." + fields.get(refField[ref]);
  }

  private static void report(Path regionLog, int regionShift) throws IOException {
    refStart = Arrays.copyOf(refStart, n + 1);
    refStart[n] = nrefs;
    IdIndex index = new IdIndex();
    int[] to = resolveReferences(index);
    boolean[] live = markLive(index, to);
    char[] kind = regionKinds(regionLog, regionShift);

    long liveBytes = 0;
    long liveYoung = 0;
    for (int i = 0; i < n; i++) {
      if (live[i]) {
        liveBytes += size[i];
        liveYoung += young(kind[i]) ? size[i] : 0;
      }
    }
    System.out.printf("live %.1f MB, of it in young regions %.1f MB%n", liveBytes / 1e6, liveYoung / 1e6);

    // dead young objects reachable (through young objects) from dead objects outside the young regions
    boolean[] kept = new boolean[n];
    int[] stack = new int[n];
    Map<String, long[]> byReferrer = new HashMap<>();
    Map<String, Set<Integer>> referrers = new HashMap<>();
    long total = 0;
    for (int i = 0; i < n; i++) {
      if (live[i] || young(kind[i])) {
        continue;
      }
      for (int k = refStart[i]; k < refStart[i + 1]; k++) {
        int j = to[k];
        if (j < 0 || live[j] || kept[j] || !young(kind[j])) {
          continue;
        }
        long bytes = 0;
        int sp = 0;
        kept[j] = true;
        stack[sp++] = j;
        while (sp > 0) {
          int x = stack[--sp];
          bytes += size[x];
          for (int kk = refStart[x]; kk < refStart[x + 1]; kk++) {
            int y = to[kk];
            if (y >= 0 && !live[y] && !kept[y] && young(kind[y])) {
              kept[y] = true;
              stack[sp++] = y;
            }
          }
        }
        total += bytes;
        String key = describe(i, k) + " -> " + className(cls[j]);
        long[] sum = byReferrer.computeIfAbsent(key, x -> new long[2]);
        sum[0] += bytes;
        sum[1]++;
        referrers.computeIfAbsent(key, x -> new HashSet<>()).add(i);
      }
    }
    System.out.printf("%nyoung objects kept only by dead old objects: %.1f MB%n", total / 1e6);
    List<String> top = print("by dead referrer.field -> young object (MB, count)", byReferrer, 25);
    for (String key : top.subList(0, Math.min(8, top.size()))) {
      Set<Integer> set = referrers.get(key);
      Map<String, long[]> holders = new HashMap<>();
      for (int i = 0; i < n; i++) {
        for (int k = refStart[i]; k < refStart[i + 1]; k++) {
          if (to[k] >= 0 && set.contains(to[k])) {
            holders.computeIfAbsent(describe(i, k) + (live[i] ? " (live)" : " (dead, " + kind[i] + ")"), x -> new long[2])[1]++;
          }
        }
      }
      System.out.println("  held by, for " + key + ":");
      holders.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1])).limit(4)
          .forEach(e -> System.out.printf("    %,8d  %s%n", e.getValue()[1], e.getKey()));
    }

    Map<String, long[]> youngHolders = new HashMap<>();
    for (int i = 0; i < n; i++) {
      if (!live[i]) {
        continue;
      }
      for (int k = refStart[i]; k < refStart[i + 1]; k++) {
        int j = to[k];
        if (j >= 0 && young(kind[j])) {
          long[] sum = youngHolders.computeIfAbsent(describe(i, k) + " -> " + className(cls[j]) + (young(kind[i]) ? "" : " [from old]"),
              x -> new long[2]);
          sum[0] += size[j];
          sum[1]++;
        }
      }
    }
    System.out.println();
    print("live young objects by holder.field (MB, count)", youngHolders, 30);
  }

  private static boolean young(char kind) {
    return kind == 'E' || kind == 'S';
  }

  private static List<String> print(String title, Map<String, long[]> sums, int limit) {
    System.out.println("-- " + title);
    List<Map.Entry<String, long[]>> sorted = new ArrayList<>(sums.entrySet());
    sorted.sort((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0]));
    List<String> keys = new ArrayList<>();
    for (Map.Entry<String, long[]> e : sorted.subList(0, Math.min(limit, sorted.size()))) {
      System.out.printf("%8.2f %,8d  %s%n", e.getValue()[0] / 1e6, e.getValue()[1], e.getKey());
      keys.add(e.getKey());
    }
    return keys;
  }

  /** Object id to its index in the dump's order: an open-addressing table over {@link #ids}. */
  private static final class IdIndex {
    private final long[] keys;
    private final int[] values;

    IdIndex() {
      int capacity = Integer.highestOneBit(Math.max(2, n) * 2) * 2;
      keys = new long[capacity];
      values = new int[capacity];
      for (int i = 0; i < n; i++) {
        int h = slot(ids[i]);
        while (keys[h] != 0) {
          h = (h + 1) & (keys.length - 1);
        }
        keys[h] = ids[i];
        values[h] = i;
      }
    }

    /** The object's index, -1 when it is not in the dump. */
    int indexOf(long id) {
      for (int h = slot(id); keys[h] != 0; h = (h + 1) & (keys.length - 1)) {
        if (keys[h] == id) {
          return values[h];
        }
      }
      return -1;
    }

    private int slot(long key) {
      key ^= key >>> 33;
      key *= 0xff51afd7ed558ccdL;
      key ^= key >>> 33;
      return (int) (key & (keys.length - 1));
    }
  }

  /** Each reference as the index of the object it points at (-1 when not in the dump). */
  private static int[] resolveReferences(IdIndex index) {
    int[] to = new int[nrefs];
    for (int r = 0; r < nrefs; r++) {
      to[r] = index.indexOf(refs[r]);
    }
    return to;
  }

  private static boolean[] markLive(IdIndex index, int[] to) {
    boolean[] live = new boolean[n];
    int[] stack = new int[n];
    int sp = 0;
    for (long id : roots) {
      int root = index.indexOf(id);
      if (root >= 0 && !live[root]) {
        live[root] = true;
        stack[sp++] = root;
      }
    }
    while (sp > 0) {
      int i = stack[--sp];
      for (int k = refStart[i]; k < refStart[i + 1]; k++) {
        int j = to[k];
        if (j >= 0 && !live[j]) {
          live[j] = true;
          stack[sp++] = j;
        }
      }
    }
    return live;
  }

  /** E(den), S(urvivor), O(ld), H(umongous) per object, from each region's last G1HR ALLOC; '-' when unknown or free. */
  private static char[] regionKinds(Path regionLog, int regionShift) throws IOException {
    Map<Long, Character> regions = new HashMap<>();
    for (String line : Files.readAllLines(regionLog)) {
      int at = line.indexOf("G1HR ");
      if (at < 0) {
        continue;
      }
      String[] words = line.substring(at + 5).split("[ (),\\[\\]]+");
      String type = null;
      long bottom = -1;
      for (int i = 1; i < words.length; i++) {
        if (words[i].startsWith("0x")) {
          bottom = Long.parseUnsignedLong(words[i].substring(2), 16);
          break;
        }
        type = words[i];
      }
      if (bottom < 0) {
        continue;
      }
      long region = bottom >>> regionShift;
      switch (words[0]) {
        case "ALLOC" -> regions.put(region, type == null ? '?' : Character.toUpperCase(type.charAt(0)));
        case "CSET", "CLEANUP", "UNCOMMIT" -> regions.remove(region);
        default -> { }
      }
    }
    char[] kind = new char[n];
    for (int i = 0; i < n; i++) {
      kind[i] = regions.getOrDefault(ids[i] >>> regionShift, '-');
    }
    return kind;
  }
}
