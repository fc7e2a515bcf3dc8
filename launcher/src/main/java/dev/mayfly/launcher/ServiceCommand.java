package dev.mayfly.launcher;

import dev.mayfly.launcher.internal.HttpSettings;
import dev.mayfly.launcher.internal.Service;
import dev.mayfly.launcher.internal.ServiceHost;
import dev.mayfly.schemas.config.CommonSettings;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
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
    abstract Supplier<Service> build(Map<String, String> raw);

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
        raw = HttpSettings.without(raw);
        Supplier<Service> factory = build(raw);
        ServiceHost host = new ServiceHost().closeOnShutdown();
        try {
            beforeStart(raw);
            Service service = factory.get();
            host.start(service);
            int port = host.serveHttp(http); // the service's routes exist before the port opens
            System.out.println("Mayfly " + service.name() + " listening on http://localhost:" + port
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
