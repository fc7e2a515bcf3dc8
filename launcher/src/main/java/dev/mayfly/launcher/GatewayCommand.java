package dev.mayfly.launcher;

import dev.mayfly.exporter.ProcessStatus;
import dev.mayfly.launcher.internal.Service;
import dev.mayfly.launcher.internal.ServiceConfigs;
import picocli.CommandLine.Command;

import java.util.Map;
import java.util.function.Supplier;

@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Accepts pushes over HTTP (Pushgateway API, OTLP/HTTP) and writes them to the events topic.")
final class GatewayCommand extends ServiceCommand {
    @Override
    Supplier<Service> build(Map<String, String> raw, ProcessStatus process) {
        return ServiceConfigs.gateway(raw);
    }

    @Override
    int defaultHttpPort() {
        return 9091;
    }
}
