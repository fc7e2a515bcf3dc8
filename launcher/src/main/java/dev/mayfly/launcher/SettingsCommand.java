package dev.mayfly.launcher;

import dev.mayfly.launcher.internal.HttpSettings;
import dev.mayfly.launcher.internal.ServiceConfigs;
import dev.mayfly.launcher.internal.SettingsInForce;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.Setting;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "settings", mixinStandardHelpOptions = true,
        description = "Lists every configuration key of each service, with its default and meaning.")
final class SettingsCommand implements Callable<Integer> {
    @Option(names = "--markdown", description = "Print Markdown tables (as in the README).")
    boolean markdown;

    /** The settings every service shares, then each service's own, in the order the README documents them. */
    static Map<String, List<Setting<?>>> byService() {
        Map<String, List<Setting<?>>> out = new LinkedHashMap<>();
        out.put("every service", CommonSettings.ALL);
        out.put("streams", own(ServiceConfigs.streamsSettings()));
        out.put("exporter", own(ServiceConfigs.exporterSettings()));
        out.put("gateway", own(ServiceConfigs.gatewaySettings()));
        out.put("HTTP port (every service)", HttpSettings.ALL);
        return out;
    }

    private static List<Setting<?>> own(List<Setting<?>> settings) {
        return settings.stream().filter(s -> !CommonSettings.ALL.contains(s)).toList();
    }

    @Override
    public Integer call() {
        PrintStream out = System.out;
        byService().forEach((service, settings) -> {
            if (markdown) {
                out.println("**" + service + "**");
                out.println();
                out.println("| key | default | meaning |");
                out.println("|---|---|---|");
            } else {
                out.println(service + ":");
            }
            for (Setting<?> s : settings) {
                String def = s.isRequired() ? "(required)" : SettingsInForce.render(s.defaultValue());
                if (markdown) {
                    out.println("| `" + s.name() + "` | `" + def.replace("|", "\\|") + "` | " + (s.doc() == null ? "" : s.doc().replace("|", "\\|")) + " |");
                } else {
                    out.printf("  %-36s %-20s %s%n", s.name(), def, s.doc() == null ? "" : s.doc());
                }
            }
            out.println();
        });
        out.flush();
        return 0;
    }
}
