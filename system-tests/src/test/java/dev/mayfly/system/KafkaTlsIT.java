package dev.mayfly.system;

import dev.mayfly.kafka.EmbeddedKafka;
import dev.mayfly.schemas.testing.TestPki;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.errors.SaslAuthenticationException;
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
 * Mayfly's services reaching secured brokers through the {@code kafka.*} pass-through only, as the README shows it:
 * a broker with a client listener secured by keys made by the test, and the streams engine, an exporter and a gateway
 * as separate processes given nothing but that listener and the keys, their secret in the environment
 * ({@code MAYFLY_KAFKA_...}), never on a command line. Mutual TLS (the listener refuses a client without a
 * certificate; the CA's PEM certificate as trust store, a PKCS#12 client key store) and SASL_SSL with SCRAM-SHA-512.
 * Pushes through the gateway come out summed on the exporter's /metrics, the exporter's engine-lag Admin client
 * answers, the gateway's own reader of the aggregates topic refuses a push of a served name as another type, and the
 * password shows on no status page and in no log.
 */
class KafkaTlsIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void servicesCountPushesOverMutualTlsToTheBroker() throws Exception {
        TestPki pki = TestPki.create(Files.createDirectories(dir.resolve("pki")), "kafka");
        Properties ssl = brokerKeys(pki);
        pki.issue("mayfly-services", false);
        String clientPassword = "client-" + UUID.randomUUID();
        Path clientStore = pki.keyStore("mayfly-services", clientPassword);
        ssl.put("ssl.truststore.type", "PEM");
        ssl.put("ssl.truststore.location", pki.caCertificate().toString());
        ssl.put("ssl.client.auth", "required");
        try (EmbeddedKafka broker = EmbeddedKafka.on(dir.resolve("broker"), 0, ssl).withSecureListener("SSL", 0).start()) {
            String bootstrap = broker.secureBootstrapServers();
            assertRefusesClientsWithoutCertificate(bootstrap, pki.caCertificate());
            List<String> tls = List.of(
                    "--set", "kafka.security.protocol=SSL",
                    "--set", "kafka.ssl.truststore.type=PEM",
                    "--set", "kafka.ssl.truststore.location=" + pki.caCertificate(),
                    "--set", "kafka.ssl.keystore.type=PKCS12",
                    "--set", "kafka.ssl.keystore.location=" + clientStore);
            servicesCountThrough(bootstrap, tls, "kafka.ssl.keystore.password", clientPassword, clientPassword);
        }
    }

    @Test
    void servicesCountPushesOverSaslSslWithScram() throws Exception {
        TestPki pki = TestPki.create(Files.createDirectories(dir.resolve("pki")), "kafka");
        Properties sasl = brokerKeys(pki);
        sasl.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
        sasl.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        try (EmbeddedKafka broker = EmbeddedKafka.on(dir.resolve("broker"), 0, sasl).withSecureListener("SASL_SSL", 0).start()) {
            String userPassword = "scram-" + UUID.randomUUID();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("mayfly",
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), userPassword))).all().get(30, TimeUnit.SECONDS);
            }
            String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"mayfly\" password=\"" + userPassword + "\";";
            Map<String, Object> wrongPassword = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.secureBootstrapServers(),
                    AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
                    "sasl.jaas.config", jaas.replace(userPassword, "wrong"),
                    "ssl.truststore.type", "PEM", "ssl.truststore.location", pki.caCertificate().toString());
            try (Admin admin = Admin.create(wrongPassword)) {
                assertThatThrownBy(() -> admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS))
                        .as("a client with a wrong password").hasCauseInstanceOf(SaslAuthenticationException.class);
            }
            List<String> scram = List.of(
                    "--set", "kafka.security.protocol=SASL_SSL",
                    "--set", "kafka.sasl.mechanism=SCRAM-SHA-512",
                    "--set", "kafka.ssl.truststore.type=PEM",
                    "--set", "kafka.ssl.truststore.location=" + pki.caCertificate());
            servicesCountThrough(broker.secureBootstrapServers(), scram, "kafka.sasl.jaas.config", jaas, userPassword);
        }
    }

    /**
     * Runs streams, exporter and gateway against {@code bootstrap} with {@code kafkaArgs}, the secret Kafka key
     * {@code secretKey} set to {@code secret} in each one's environment, and checks pushes are counted exactly, the
     * engine lag is measured, and {@code password} (the secret part of it) shows on no status page and in no log.
     */
    private void servicesCountThrough(String bootstrap, List<String> kafkaArgs, String secretKey, String secret, String password)
            throws Exception {
        List<MayflyProcess> services = new ArrayList<>();
        String variable = "MAYFLY_" + secretKey.toUpperCase(java.util.Locale.ROOT).replace('.', '_');
        try {
            int streamsPort = Ports.free();
            int exporterPort = Ports.free();
            int gatewayPort = Ports.free();
            MayflyProcess streams = service("streams", bootstrap, streamsPort, kafkaArgs, variable, secret,
                    "--replication-factor", "1", "--set", "state.dir=" + dir.resolve("streams-state"));
            services.add(streams);
            streams.awaitOutput("Mayfly streams listening", TIMEOUT); // printed once it created the topics
            services.add(service("exporter", bootstrap, exporterPort, kafkaArgs, variable, secret, "--set", "exporter.engine.lag.interval=1s"));
            services.add(service("gateway", bootstrap, gatewayPort, kafkaArgs, variable, secret));
            for (int port : new int[]{streamsPort, exporterPort, gatewayPort}) {
                MetricsText.awaitStatus("http://localhost:" + port + "/-/ready", 200, TIMEOUT);
            }

            String gateway = "http://localhost:" + gatewayPort;
            push(gateway, 2, "tls-1");
            push(gateway, 3, "tls-2");
            push(gateway, 3, "tls-2"); // a retry of the same push counts once
            String metrics = "http://localhost:" + exporterPort + "/metrics";
            awaitValue(metrics, "tls_orders_total{job=\"tls\"}", 5.0);
            // the gateway, run apart, reads the aggregates topic with the same keys: a push /metrics would leave out
            // (the counter's name as a gauge, from another job) is refused when it is sent
            assertThat(awaitRefusal(gateway + "/metrics/job/other", "# TYPE tls_orders gauge\ntls_orders 1\n"))
                    .contains("metric tls_orders is pushed as a gauge but tls_orders is already served as a counter");
            push(gateway, 4, "tls-3"); // the counter itself is still taken
            awaitValue(metrics, "tls_orders_total{job=\"tls\"}", 9.0);
            Map<String, Double> scraped = MetricsText.awaitSamples(metrics, null, "mayfly_engine_lag_events");
            assertThat(scraped.get("mayfly_engine_lag_events")).as("the engine's lag, read by the exporter's Admin client")
                    .isNotNull().isGreaterThanOrEqualTo(0.0);

            String page = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + exporterPort + "/")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(page).as("the exporter's status page").contains(secretKey).contains("kafka.ssl.truststore.location")
                    .doesNotContain(password);
            for (MayflyProcess service : services) {
                assertThat(service.output()).as("the log of a service").doesNotContain(password);
            }
        } finally {
            for (MayflyProcess p : services) {
                p.close();
            }
        }
    }

    /** The broker's TLS key store: a certificate for localhost issued by {@code pki}, in PKCS#12. */
    private static Properties brokerKeys(TestPki pki) throws Exception {
        pki.issue("broker", true);
        String password = "broker-" + UUID.randomUUID();
        Properties keys = new Properties();
        keys.put("ssl.keystore.type", "PKCS12");
        keys.put("ssl.keystore.location", pki.keyStore("broker", password).toString());
        keys.put("ssl.keystore.password", password);
        keys.put("ssl.key.password", password);
        return keys;
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

    /** {@code command} as a process, its secret in the environment variable {@code variable}: never on a command line. */
    private MayflyProcess service(String command, String bootstrap, int httpPort, List<String> tls, String variable,
                                  String secret, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of(command, "--bootstrap-servers", bootstrap,
                "--http-port", String.valueOf(httpPort), "--bind", "127.0.0.1"));
        args.addAll(tls);
        args.addAll(List.of(more));
        return new MayflyProcess(command, dir, args.toArray(String[]::new)).lean("256m")
                .environment(variable, secret).start();
    }

    private static void push(String base, int increment, String idempotencyKey) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics/job/tls"))
                .header("Content-Type", "text/plain; version=0.0.4")
                .header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString("# TYPE tls_orders_total counter\ntls_orders_total " + increment + "\n"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("push answered %s", r.body()).isBetween(200, 299);
    }

    /** The body of the first 400 answer to {@code body} pushed to {@code url} (a 2xx is retried until the timeout). */
    private static String awaitRefusal(String url, String body) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Content-Type", "text/plain; version=0.0.4").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 400 || System.nanoTime() > deadline) {
                assertThat(r.statusCode()).as("answer %s", r.body()).isEqualTo(400);
                return r.body();
            }
            Thread.sleep(250);
        }
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
