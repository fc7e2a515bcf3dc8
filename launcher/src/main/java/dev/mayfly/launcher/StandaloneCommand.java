package dev.mayfly.launcher;

import dev.mayfly.kafka.EmbeddedKafka;
import dev.mayfly.launcher.internal.ServiceConfigs;
import dev.mayfly.launcher.internal.ServiceHost;
import dev.mayfly.schemas.TopicSetup;
import dev.mayfly.schemas.config.CommonSettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "standalone", mixinStandardHelpOptions = true,
        description = "Runs an embedded Kafka broker and every Mayfly service in one process, with one HTTP port for "
                + "pushes (Pushgateway API, OTLP/HTTP), GET /metrics, /-/healthy and /-/ready.")
final class StandaloneCommand implements Callable<Integer> {
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./mayfly-data",
            description = "Where the broker and the streams app keep their data; it survives a restart (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "9091", description = "The one HTTP port (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--kafka-port", paramLabel = "PORT", defaultValue = "9092", description = "The embedded broker's port (default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "4", description = "Partitions of new topics (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() throws Exception {
        long startNanos = System.nanoTime();
        if (partitions < 1) {
            throw new dev.mayfly.schemas.config.ConfigException("--partitions must be at least 1, got " + partitions);
        }
        String bootstrap = "localhost:" + kafkaPort;
        Map<String, String> raw = config.load(Map.of(
                CommonSettings.BOOTSTRAP_SERVERS.name(), bootstrap,
                "state.dir", dataDir.resolve("streams").toString()));
        ServiceConfigs.rejectUnknown(raw, List.of(ServiceConfigs.streamsSettings(), ServiceConfigs.exporterSettings(),
                ServiceConfigs.gatewaySettings()));
        // validate every service's configuration before anything starts
        var streams = ServiceConfigs.streams(ServiceConfigs.sliceFor(raw, ServiceConfigs.streamsSettings()));
        var exporter = ServiceConfigs.exporter(ServiceConfigs.sliceFor(raw, ServiceConfigs.exporterSettings()));
        var gateway = ServiceConfigs.gateway(ServiceConfigs.sliceFor(raw, ServiceConfigs.gatewaySettings()));

        javax.net.ssl.SSLContext tls = config.tls();
        ServiceHost host = new ServiceHost().closeOnShutdown();
        try {
            EmbeddedKafka kafka = EmbeddedKafka.on(dataDir.resolve("kafka"), kafkaPort);
            host.own(kafka);
            kafka.start();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                TopicSetup.ensureDefaults(admin, partitions, (short) 1);
            }
            int port = host.serveHttp(config.bind, httpPort, tls);
            host.start(streams.get());
            host.start(exporter.get());
            host.start(gateway.get());
            printEndpoints(System.out, port, bootstrap);
            if (host.awaitReady(120_000)) {
                System.out.printf("Mayfly is ready (%.1f s)%n", (System.nanoTime() - startNanos) / 1e9);
            } else {
                System.out.println("Mayfly is still not ready after 120 s; see GET /-/ready");
            }
            host.awaitShutdown();
            return 0;
        } catch (Exception e) {
            host.close();
            throw e;
        }
    }

    private void printEndpoints(PrintStream out, int port, String bootstrap) {
        String base = (config.tlsKeyStore == null ? "http" : "https") + "://localhost:" + port;
        out.println("Mayfly standalone");
        out.println("  push (Pushgateway API)  " + base + "/metrics/job/<job>");
        out.println("  push (OTLP/HTTP)        " + base + "/v1/metrics");
        out.println("  scrape                  " + base + "/metrics");
        out.println("  health                  " + base + "/-/healthy  " + base + "/-/ready");
        out.println("  Kafka                   " + bootstrap + "  (data in " + dataDir.toAbsolutePath().normalize() + ")");
        out.flush();
    }
}
