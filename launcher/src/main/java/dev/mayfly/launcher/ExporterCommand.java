package dev.mayfly.launcher;

import dev.mayfly.exporter.ProcessStatus;
import dev.mayfly.launcher.internal.Service;
import dev.mayfly.launcher.internal.ServiceConfigs;
import dev.mayfly.schemas.config.Setting;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

@Command(name = "exporter", mixinStandardHelpOptions = true,
        description = "Serves the committed aggregates topic to Prometheus at GET /metrics, and a status page at /.")
final class ExporterCommand extends ServiceCommand {
    @Override
    Supplier<Service> build(Map<String, String> raw, ProcessStatus process) {
        return ServiceConfigs.exporter(raw, process);
    }

    @Override
    boolean servesProcessMetrics() {
        return false; // its /metrics serves the process's metrics beside the aggregates
    }

    @Override
    List<Setting<?>> shownSettings() {
        return ServiceConfigs.exporterSettings();
    }

    @Override
    int defaultHttpPort() {
        return 9095;
    }
}
