package dev.mayfly.launcher;

import dev.mayfly.launcher.internal.Service;
import dev.mayfly.launcher.internal.ServiceConfigs;
import picocli.CommandLine.Command;

import java.util.Map;
import java.util.function.Supplier;

@Command(name = "exporter", mixinStandardHelpOptions = true,
        description = "Serves the committed aggregates topic to Prometheus at GET /metrics.")
final class ExporterCommand extends ServiceCommand {
    @Override
    Supplier<Service> build(Map<String, String> raw) {
        return ServiceConfigs.exporter(raw);
    }

    @Override
    int defaultHttpPort() {
        return 9095;
    }
}
