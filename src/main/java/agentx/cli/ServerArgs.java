package agentx.cli;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The server's own command line ({@code --port 9000}, {@code --roles=engine,tools}, {@code --cluster})
 * read straight into {@link Main}'s {@code @Option} fields, without building picocli's command model:
 * that model (reflection over every option, type converters for most of {@code java.time}) is about a
 * tenth of a second of every start-up. The annotations stay the one description of the options; a
 * command line this reader does not fully understand (help, version, a subcommand, an unknown or
 * malformed option) goes to picocli as before, which explains it.
 */
final class ServerArgs {
  private ServerArgs() {}

  /** {@code main} with {@code args} applied, or null when picocli must read them. */
  static Main parse(String[] args) {
    Map<String, Field> byName = new HashMap<>();
    for (Field field : Main.class.getDeclaredFields()) {
      Option option = field.getAnnotation(Option.class);
      if (option != null) {
        for (String name : option.names()) {
          byName.put(name, field);
        }
      }
    }
    Main main = new Main();
    try {
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        int eq = arg.indexOf('=');
        String name = eq > 0 ? arg.substring(0, eq) : arg;
        Field field = byName.get(name);
        if (field == null || !name.startsWith("--")) {
          return null;
        }
        Class<?> type = field.getType();
        if (type == Boolean.class || type == boolean.class) {
          if (eq > 0) {
            return null;
          }
          field.set(main, Boolean.TRUE);
          continue;
        }
        String value;
        if (eq > 0) {
          value = arg.substring(eq + 1);
        } else if (i + 1 < args.length && !args[i + 1].startsWith("-")) {
          value = args[++i];
        } else {
          return null;
        }
        if (type == String.class) {
          field.set(main, value);
        } else if (type == Integer.class || type == int.class) {
          field.set(main, Integer.valueOf(value));
        } else if (type == Path.class) {
          field.set(main, Path.of(value));
        } else {
          return null;
        }
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
    return main;
  }
}
