package agentx.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Loads the classes a server start needs on a second thread while the main thread starts the server.
 * A start is about 4,400 classes, read from the jar, parsed and defined one after the other, mostly
 * by one thread at a time (configuration and logging, then Vert.x, then the verticles); on a second
 * core those of the later phases are ready when the main thread reaches them. Classes are loaded,
 * never initialised here (no static initialiser runs on this thread, so the order of initialisation
 * is the main thread's, as without it). The list, {@code agentx/preload.txt}, is written by
 * {@code scripts/preload-list.sh}; a name that is not there any more is skipped. Off with
 * {@code -Dagentx.preload=false}.
 */
final class Preload {
  static final String LIST = "agentx/preload.txt";

  private Preload() {
  }

  static void start() {
    if ("false".equals(System.getProperty("agentx.preload"))) {
      return;
    }
    Thread thread = new Thread(Preload::loadAll, "agentx-preload");
    thread.setDaemon(true);
    thread.start();
  }

  /** Loads every class of the list it can; returns how many it loaded. */
  static int loadAll() {
    ClassLoader loader = Preload.class.getClassLoader();
    int loaded = 0;
    try (InputStream in = loader.getResourceAsStream(LIST)) {
      if (in == null) {
        return 0;
      }
      BufferedReader names = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String name;
      while ((name = names.readLine()) != null) {
        try {
          Class.forName(name, false, loader);
          loaded++;
        } catch (ClassNotFoundException | LinkageError ignored) {
          // gone since the list was written, or not loadable here: the start does without it
        }
      }
    } catch (IOException ignored) {
      // only ever a head start
    }
    return loaded;
  }
}
