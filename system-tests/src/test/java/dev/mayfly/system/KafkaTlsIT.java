package dev.mayfly.system;

import dev.mayfly.kafka.EmbeddedKafka;
import dev.mayfly.schemas.testing.TestPki;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Mayfly's services reaching the brokers over mutual TLS through the {@code kafka.*} pass-through only, as the README
 * shows it: a broker whose client listener speaks TLS and requires a client certificate (keys made by the test), and
 * the streams engine, an exporter and a gateway as separate processes given nothing but that listener, the CA's PEM
 * certificate as trust store and a PKCS#12 client key store whose password is in the environment
 * ({@code MAYFLY_KAFKA_SSL_KEYSTORE_PASSWORD}). Pushes through the gateway come out summed on the
 * exporter's /metrics, the exporter's engine-lag Admin client answers (while a client without a certificate is
 * refused), and the key store password shows on no status
 * page and in no log.
 */
class KafkaTlsIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void servicesCountPushesOverMutualTlsToTheBroker() throws Exception {
        Path pkiDir = Files.createDirectories(dir.resolve("pki"));
        TestPki pki = TestPki.create(pkiDir, "kafka");
        pki.issue("broker", true);
        pki.issue("mayfly-services", false);
        String brokerPassword = "broker-" + UUID.randomUUID();
        String clientPassword = "client-" + UUID.randomUUID();
        Path brokerStore = pki.keyStore("broker", brokerPassword);
        Path clientStore = pki.keyStore("mayfly-services", clientPassword);

        Properties ssl = new Properties();
        ssl.put("ssl.keystore.type", "PKCS12");
        ssl.put("ssl.keystore.location", brokerStore.toString());
        ssl.put("ssl.keystore.password", brokerPassword);
        ssl.put("ssl.key.password", brokerPassword);
        ssl.put("ssl.truststore.type", "PEM");
        ssl.put("ssl.truststore.location", pki.caCertificate().toString());
        ssl.put("ssl.client.auth", "required");
        List<MayflyProcess> services = new ArrayList<>();
        try (EmbeddedKafka broker = EmbeddedKafka.on(dir.resolve("broker"), 0, ssl).withSslListener(0).start()) {
            String bootstrap = broker.sslBootstrapServers();
            assertRefusesClientsWithoutCertificate(bootstrap, pki.caCertificate());
            List<String> tls = List.of(
                    "--set", "kafka.security.protocol=SSL",
                    "--set", "kafka.ssl.truststore.type=PEM",
                    "--set", "kafka.ssl.truststore.location=" + pki.caCertificate(),
                    "--set", "kafka.ssl.keystore.type=PKCS12",
                    "--set", "kafka.ssl.keystore.location=" + clientStore);
            int streamsPort = Ports.free();
            int exporterPort = Ports.free();
            int gatewayPort = Ports.free();
            MayflyProcess streams = service("streams", bootstrap, streamsPort, tls, clientPassword,
                    "--replication-factor", "1", "--set", "state.dir=" + dir.resolve("streams-state"));
            services.add(streams);
            streams.awaitOutput("Mayfly streams listening", TIMEOUT); // printed once it created the topics over TLS
            services.add(service("exporter", bootstrap, exporterPort, tls, clientPassword, "--set", "exporter.engine.lag.interval=1s"));
            services.add(service("gateway", bootstrap, gatewayPort, tls, clientPassword));
            for (int port : new int[]{streamsPort, exporterPort, gatewayPort}) {
                MetricsText.awaitStatus("http://localhost:" + port + "/-/ready", 200, TIMEOUT);
            }

            String gateway = "http://localhost:" + gatewayPort;
            push(gateway, 2, "tls-1");
            push(gateway, 3, "tls-2");
            push(gateway, 3, "tls-2"); // a retry of the same push counts once
            String metrics = "http://localhost:" + exporterPort + "/metrics";
            String sample = "tls_orders_total{job=\"tls\"}";
            awaitValue(metrics, sample, 5.0);
            Map<String, Double> scraped = MetricsText.awaitSamples(metrics, null, "mayfly_engine_lag_events");
            assertThat(scraped.get("mayfly_engine_lag_events")).as("the engine's lag, read by the exporter's Admin client over TLS")
                    .isNotNull().isGreaterThanOrEqualTo(0.0);

            String page = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + exporterPort + "/")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(page).as("the exporter's status page").contains("kafka.ssl.keystore.password")
                    .contains("kafka.ssl.keystore.location").doesNotContain(clientPassword);
            for (MayflyProcess service : services) {
                assertThat(service.output()).as("the log of a service").doesNotContain(clientPassword);
            }
        } finally {
            for (MayflyProcess p : services) {
                p.close();
            }
        }
    }

    /** The listener really requires a client certificate: a TLS client that trusts the CA but presents none is refused. */
    private static void assertRefusesClientsWithoutCertificate(String bootstrap, Path ca) {
        Map<String, Object> config = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "SSL", "ssl.truststore.type", "PEM",
                "ssl.truststore.location", ca.toString());
        try (Admin admin = Admin.create(config)) {
            assertThatThrownBy(() -> admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS))
                    .as("a client without a certificate").hasCauseInstanceOf(SslAuthenticationException.class);
        }
    }

    /** {@code command} as a process, its key store password in the environment: never on a command line. */
    private MayflyProcess service(String command, String bootstrap, int httpPort, List<String> tls, String keyStorePassword,
                                  String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of(command, "--bootstrap-servers", bootstrap,
                "--http-port", String.valueOf(httpPort), "--bind", "127.0.0.1"));
        args.addAll(tls);
        args.addAll(List.of(more));
        return new MayflyProcess(command, dir, args.toArray(String[]::new)).lean("256m")
                .environment("MAYFLY_KAFKA_SSL_KEYSTORE_PASSWORD", keyStorePassword).start();
    }

    private static void push(String base, int increment, String idempotencyKey) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics/job/tls"))
                .header("Content-Type", "text/plain; version=0.0.4")
                .header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString("# TYPE tls_orders_total counter\ntls_orders_total " + increment + "\n"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("push answered %s", r.body()).isBetween(200, 299);
    }

    private static void awaitValue(String url, String sample, double expected) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        Map<String, Double> last = null;
        while (System.nanoTime() < deadline) {
            last = MetricsText.scrape(url);
            if (last != null && Double.valueOf(expected).equals(last.get(sample))) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(sample + " never reached " + expected + " on " + url + "; last scrape: " + last);
    }
}
