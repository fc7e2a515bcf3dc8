package dev.mayfly.launcher;

import dev.mayfly.exporter.ProcessStatus;
import dev.mayfly.launcher.internal.HttpSettings;
import dev.mayfly.launcher.internal.ProcessMetrics;
import dev.mayfly.launcher.internal.Service;
import dev.mayfly.launcher.internal.ServiceHost;
import dev.mayfly.launcher.internal.SettingsInForce;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.Setting;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.Callable;

/** Runs one Mayfly service alone against an existing Kafka cluster, with its HTTP port and health endpoints. */
abstract class ServiceCommand implements Callable<Integer> {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", description = "Kafka bootstrap servers (or config key bootstrap.servers).")
    String bootstrapServers;

    @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP port for this service and /-/healthy, /-/ready.")
    Integer httpPort;

    @Mixin
    ConfigOptions config;

    /** Validates the configuration (throwing ConfigException naming a bad key) and returns what builds the service. */
    abstract Supplier<Service> build(Map<String, String> raw, ProcessStatus process);

    /** Whether the process serves its own metrics at GET /metrics (not when the service serves /metrics itself). */
    boolean servesProcessMetrics() {
        return true;
    }

    /** The settings this service's status page shows (none: it has no status page). */
    List<Setting<?>> shownSettings() {
        return List.of();
    }

    abstract int defaultHttpPort();

    /** Called after the configuration is read and before the service starts (e.g. to create topics). */
    void beforeStart(Map<String, String> raw) {
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put(CommonSettings.BOOTSTRAP_SERVERS.name(), bootstrapServers);
        Map<String, String> raw = config.load(flags);
        var http = HttpSettings.options(raw, config.bind, httpPort == null ? defaultHttpPort() : httpPort, config.tls());
        ServiceHost host = new ServiceHost();
        if (!shownSettings().isEmpty()) {
            host.showSettings(SettingsInForce.of(raw, List.of(shownSettings(), HttpSettings.ALL)));
        }
        raw = HttpSettings.without(raw);
        Supplier<Service> factory = build(raw, host);
        var everyRoute = config.everyRoute(raw);
        if (everyRoute != null) {
            host.filterEveryRoute(everyRoute);
        }
        host.closeOnShutdown();
        try {
            beforeStart(raw);
            Service service = factory.get();
            host.start(service);
            if (servesProcessMetrics()) {
                host.route(ProcessMetrics.route());
            }
            int port = host.serveHttp(http); // the service's routes exist before the port opens
            System.out.println("Mayfly " + service.name() + " listening on " + (config.servesTls() ? "https" : "http") + "://localhost:" + port
                    + " (Kafka " + raw.getOrDefault(CommonSettings.BOOTSTRAP_SERVERS.name(), CommonSettings.BOOTSTRAP_SERVERS.defaultValue()) + ")");
            System.out.flush();
            host.awaitShutdown();
            return 0;
        } catch (Exception e) {
            host.close();
            throw e;
        }
    }
}
