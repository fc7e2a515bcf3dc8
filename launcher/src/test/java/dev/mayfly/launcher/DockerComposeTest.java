package dev.mayfly.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.mayfly.launcher.internal.ServiceConfigs;
import dev.mayfly.schemas.config.Setting;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** docker-compose.yml cannot run here: this checks that what it asks of the launcher exists. */
class DockerComposeTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void everyMayflyServiceUsesARealSubcommandFlagsPortsAndKeys() throws Exception {
        JsonNode services = YAML.readTree(ROOT.resolve("docker-compose.yml").toFile()).get("services");
        Map<String, CommandLine> subcommands = Mayfly.commandLine().getSubcommands();
        List<String> checked = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> service = it.next();
            if (!service.getValue().has("build")) {
                continue;
            }
            List<String> command = new ArrayList<>();
            service.getValue().get("command").forEach(n -> command.add(n.asText()));
            CommandLine sub = subcommands.get(command.get(0));
            assertThat(sub).as("subcommand of %s", service.getKey()).isNotNull();
            String httpPort = null;
            for (int i = 1; i < command.size(); i++) {
                String arg = command.get(i);
                if (arg.startsWith("--")) {
                    assertThat(sub.getCommandSpec().findOption(arg)).as("%s: option %s", service.getKey(), arg).isNotNull();
                    if (arg.equals("--http-port")) {
                        httpPort = command.get(i + 1);
                    }
                    if (arg.equals("--set")) {
                        String key = command.get(i + 1).split("=", 2)[0];
                        assertThat(knownKeys(command.get(0))).as("%s: config key %s", service.getKey(), key).contains(key);
                    }
                }
            }
            assertThat(httpPort).as("%s names its --http-port", service.getKey()).isNotNull();
            List<String> ports = new ArrayList<>();
            service.getValue().get("ports").forEach(p -> ports.add(p.asText()));
            assertThat(ports).as("%s publishes its HTTP port", service.getKey()).contains(httpPort + ":" + httpPort);
            assertThat(Mayfly.commandLine().parseArgs(command.toArray(String[]::new)).subcommand().errors())
                    .as("%s parses", service.getKey()).isEmpty();
            checked.add(command.get(0));
        }
        assertThat(checked).containsExactlyInAnyOrder("streams", "exporter", "gateway");
    }

    @Test
    void prometheusScrapesTheExporterPort() throws Exception {
        JsonNode compose = YAML.readTree(ROOT.resolve("docker-compose.yml").toFile());
        List<String> exporterCommand = new ArrayList<>();
        compose.get("services").get("mayfly-exporter").get("command").forEach(n -> exporterCommand.add(n.asText()));
        String port = exporterCommand.get(exporterCommand.indexOf("--http-port") + 1);
        String prometheus = Files.readString(ROOT.resolve("deploy/prometheus.yml"));
        assertThat(prometheus).contains("mayfly-exporter:" + port);
        assertThat(compose.get("services").get("kafka").get("image").asText()).startsWith("apache/kafka:");
    }

    private static List<String> knownKeys(String subcommand) {
        List<Setting<?>> settings = switch (subcommand) {
            case "streams" -> ServiceConfigs.streamsSettings();
            case "exporter" -> ServiceConfigs.exporterSettings();
            case "gateway" -> ServiceConfigs.gatewaySettings();
            default -> List.of();
        };
        return settings.stream().map(Setting::name).toList();
    }
}
