package dev.mayfly.launcher;

import dev.mayfly.launcher.internal.ExporterServedTypes;
import dev.mayfly.launcher.internal.HttpSettings;
import dev.mayfly.launcher.internal.ServiceConfigs;
import dev.mayfly.launcher.internal.ServiceHost;
import dev.mayfly.launcher.internal.SettingsInForce;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Setting;
import dev.mayfly.schemas.config.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "standalone", mixinStandardHelpOptions = true,
        description = "Runs an embedded Kafka broker and every Mayfly service in one process, with one HTTP port for "
                + "pushes (Pushgateway API, OTLP/HTTP), GET /metrics, the status page at /, /-/healthy and /-/ready.")
final class StandaloneCommand implements Callable<Integer> {
    @Mixin
    BrokerOptions broker;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "9091", description = "The one HTTP port (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() throws Exception {
        long startNanos = System.nanoTime();
        broker.validate();
        if (httpPort == broker.kafkaPort) {
            throw new ConfigException("--http-port and --kafka-port are both " + httpPort + "; give each its own port");
        }
        String bootstrap = broker.bootstrapServers();
        Map<String, String> raw = config.load(Map.of(
                CommonSettings.BOOTSTRAP_SERVERS.name(), bootstrap,
                "state.dir", broker.dataDir.resolve("streams").toString()));
        List<List<Setting<?>>> known = List.of(ServiceConfigs.streamsSettings(), ServiceConfigs.exporterSettings(),
                ServiceConfigs.gatewaySettings(), HttpSettings.ALL);
        ServiceConfigs.rejectUnknown(raw, known);
        ServiceHost host = new ServiceHost();
        // validate every service's configuration before anything starts
        var streams = ServiceConfigs.streams(ServiceConfigs.sliceFor(raw, ServiceConfigs.streamsSettings()));
        // the gateway refuses a push giving a metric name another type than the one the exporter serves it as
        ExporterServedTypes served = new ExporterServedTypes();
        var exporter = ServiceConfigs.exporter(ServiceConfigs.sliceFor(raw, ServiceConfigs.exporterSettings()), host, served::set);
        var gateway = ServiceConfigs.gateway(ServiceConfigs.sliceFor(raw, ServiceConfigs.gatewaySettings()), served);
        Settings common = Settings.parse(ServiceConfigs.sliceFor(raw, CommonSettings.ALL), CommonSettings.ALL, CommonSettings.KAFKA_PREFIX);
        CommonSettings.eventsRetention(common); // validated before anything starts

        var http = HttpSettings.options(raw, config.bind, httpPort, config.tls());
        host.showSettings(SettingsInForce.of(raw, known));
        var everyRoute = config.everyRoute(raw);
        if (everyRoute != null) {
            host.filterEveryRoute(everyRoute);
        }
        host.closeOnShutdown();
        try {
            broker.start(host, common);
            host.start(streams.get());
            host.start(exporter.get());
            host.start(gateway.get());
            int port = host.serveHttp(http); // every route exists before the port opens
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
        String base = (config.servesTls() ? "https" : "http") + "://localhost:" + port;
        out.println("Mayfly standalone");
        out.println("  push (Pushgateway API)  " + base + "/metrics/job/<job>");
        out.println("  push (OTLP/HTTP)        " + base + "/v1/metrics");
        out.println("  push (producer library) " + base + "  (gateway.url; or Kafka below)");
        out.println("  scrape                  " + base + "/metrics");
        out.println("  status page             " + base + "/");
        out.println("  health                  " + base + "/-/healthy  " + base + "/-/ready");
        out.println("  Kafka                   " + bootstrap + "  (data in " + broker.dataDir.toAbsolutePath().normalize() + ")");
        out.flush();
    }
}
