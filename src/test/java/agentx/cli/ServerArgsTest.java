package agentx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

@DisplayName("The server's command line without picocli's model")
class ServerArgsTest {

  @Test
  @DisplayName("reads what picocli reads, field for field")
  void sameAsPicocli() throws Exception {
    for (List<String> args : List.<List<String>>of(
        List.of(),
        List.of("--port", "9000"),
        List.of("--port=0", "--host", "0.0.0.0"),
        List.of("--roles", "engine,tools", "--cluster"),
        List.of("--cluster", "--roles=api", "--log-level", "DEBUG", "--config", "conf/other.json"),
        List.of("--host=127.0.0.1", "--port", "8001", "--log-level=WARN"))) {
      Main fast = ServerArgs.parse(args.toArray(String[]::new));
      assertThat(fast).as(args.toString()).isNotNull();
      Main picocli = new Main();
      new CommandLine(picocli).parseArgs(args.toArray(String[]::new));
      for (Field field : Main.class.getDeclaredFields()) {
        if (field.isAnnotationPresent(CommandLine.Option.class)) {
          assertThat(field.get(fast)).as(args + " " + field.getName()).isEqualTo(field.get(picocli));
        }
      }
    }
  }

  @Test
  @DisplayName("leaves help, version, subcommands and anything unknown or malformed to picocli")
  void leavesTheRestToPicocli() {
    for (List<String> args : List.<List<String>>of(
        List.of("--help"), List.of("-h"), List.of("--version"), List.of("-V"),
        List.of("install-comfyui", "/tmp/ComfyUI"), List.of("--bogus"), List.of("--port"), List.of("--port", "abc"),
        List.of("--port", "--host"), List.of("--cluster=true"), List.of("-p", "9000"), List.of("--port", "9000", "extra"))) {
      assertThat(ServerArgs.parse(args.toArray(String[]::new))).as(args.toString()).isNull();
    }
  }

  @Test
  @DisplayName("understands every option type the server declares (a new one of another type would go to picocli unread)")
  void everyOptionTypeIsRead() {
    for (Field field : Main.class.getDeclaredFields()) {
      if (field.isAnnotationPresent(CommandLine.Option.class)) {
        assertThat(field.getType()).as(field.getName()).isIn(String.class, Integer.class, Boolean.class, java.nio.file.Path.class);
      }
    }
  }
}
