package dev.mayfly.exporter;

import dev.mayfly.http.HttpServer;
import dev.mayfly.http.HttpServerOptions;
import dev.mayfly.exporter.internal.TestAggregates;
import dev.mayfly.kafka.EmbeddedKafka;
import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.schemas.Topics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static dev.mayfly.exporter.internal.TestAggregates.counter;
import static dev.mayfly.exporter.internal.TestAggregates.gauge;
import static dev.mayfly.exporter.internal.TestAggregates.key;
import static org.assertj.core.api.Assertions.assertThat;

/** The exporter against a real broker: committed data only, tombstones, readiness after a backlog, partition subsets. */
class ExporterIT {
    private static final String TOPIC = Topics.AGGREGATES;
    private static final int BACKLOG = 60_000;
    private static final AvroCodec<Aggregate> CODEC = MayflyCodecs.aggregates(null, TOPIC);

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static KafkaProducer<String, byte[]> producer;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = EmbeddedKafka.on(dir, 0).start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 1).configs(Map.of("cleanup.policy", "compact")))).all().get();
        }
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "exporter-it",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024), new StringSerializer(), new ByteArraySerializer());
        producer.initTransactions();
        fillTopic();
    }

    @AfterAll
    static void stopBroker() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** Partition 0: the counter; 1: the gauge and its tombstone; 2: the backlog. One transaction is aborted. */
    private static void fillTopic() {
        for (int batch = 0; batch < BACKLOG; batch += 20_000) {
            producer.beginTransaction();
            for (int i = batch; i < batch + 20_000; i++) {
                send(2, gauge("backlog_series", i, "job", "load", "i", Integer.toString(i)));
            }
            producer.commitTransaction();
        }
        producer.beginTransaction();
        send(0, counter("orders", 1, "job", "shop"));
        send(1, gauge("doomed", 5, "job", "shop"));
        producer.commitTransaction();

        producer.beginTransaction();
        send(0, counter("orders", 999, "job", "shop"));
        send(0, counter("aborted_only", 1, "job", "shop"));
        producer.flush();
        producer.abortTransaction();

        producer.beginTransaction();
        producer.send(new ProducerRecord<>(TOPIC, 1, key(gauge("doomed", 0, "job", "shop")), null));
        send(0, TestAggregates.aggregate("latency_seconds", MetricType.HISTOGRAM, "job", "shop").setHelp("Latency").setUnit("seconds")
                .setHistogram(TestAggregates.histogram(new double[]{0.5, 1}, new long[]{4, 1, 1}, 3.5)).build());
        producer.commitTransaction();
    }

    private static void send(int partition, Aggregate a) {
        producer.send(new ProducerRecord<>(TOPIC, partition, key(a), CODEC.encode(a)));
    }

    private HttpServer server(Exporter exporter) throws Exception {
        HttpServer server = HttpServer.create(HttpServerOptions.defaults().withAddress("127.0.0.1", 0));
        server.route(exporter.route());
        server.start();
        return server;
    }

    private HttpResponse<String> get(HttpServer server, String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static ExporterConfig config(String partitions) {
        return ExporterConfig.from(Map.of("bootstrap.servers", kafka.bootstrapServers(), "exporter.partitions", partitions,
                "kafka.client.id", "exporter-it-" + partitions));
    }

    @Test
    void servesOnlyCommittedDataAfterCatchingUpWithTheBacklog() throws Exception {
        try (Exporter exporter = Exporter.create(config(""))) {
            HttpServer server = server(exporter);
            try {
                exporter.start();
                assertThat(exporter.isReady()).isFalse();
                assertThat(get(server, "/metrics").statusCode()).isEqualTo(503);
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!exporter.isReady() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(exporter.isReady()).isTrue();

                HttpResponse<String> r = get(server, "/metrics");
                assertThat(r.statusCode()).isEqualTo(200);
                String text = r.body();
                assertThat(text).contains("orders_total{job=\"shop\"} 1.0\n",
                        "latency_seconds_bucket{job=\"shop\",le=\"0.5\"} 4\n",
                        "latency_seconds_bucket{job=\"shop\",le=\"+Inf\"} 6\n",
                        "backlog_series{i=\"59999\",job=\"load\"} 59999.0\n",
                        "mayfly_exporter_series " + (BACKLOG + 2) + ".0\n",
                        "# TYPE jvm_memory_used_bytes gauge");
                assertThat(text).doesNotContain("orders_total{job=\"shop\"} 999.0", "aborted_only", "doomed");
                assertThat(lines(text, l -> l.startsWith("backlog_series{"))).hasSize(BACKLOG);

                producer.beginTransaction();
                send(0, counter("orders", 2, "job", "shop"));
                producer.commitTransaction();
                awaitBody(server, "/metrics?name[]=orders_total", b -> b.contains("orders_total{job=\"shop\"} 2.0"));
                assertThat(get(server, "/metrics?name[]=mayfly_exporter_consumer_lag").body())
                        .contains("mayfly_exporter_consumer_lag{partition=\"2\",topic=\"mayfly-aggregates\"} 0.0");
            } finally {
                server.stop(java.time.Duration.ZERO);
            }
        }
    }

    @Test
    void aPartitionSubsetServesOnlyItsShare() throws Exception {
        try (Exporter exporter = Exporter.create(config("0,1"), new PrometheusRegistry())) {
            HttpServer server = server(exporter);
            try {
                exporter.start();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!exporter.isReady() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                String text = get(server, "/metrics").body();
                assertThat(text).contains("orders_total{job=\"shop\"}", "latency_seconds_count{job=\"shop\"} 6", "mayfly_exporter_series 2.0")
                        .doesNotContain("backlog_series", "doomed", "aborted_only");
            } finally {
                server.stop(java.time.Duration.ZERO);
            }
        }
    }

    private void awaitBody(HttpServer server, String path, Predicate<String> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            body = get(server, path).body();
            if (condition.test(body)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("condition not met within 20 s; last body:\n" + body);
    }

    private static List<String> lines(String text, Predicate<String> filter) {
        return text.lines().filter(filter).toList();
    }
}
