package dev.mayfly.gateway;

import dev.mayfly.http.HttpServer;
import dev.mayfly.http.HttpServerOptions;
import dev.mayfly.kafka.EmbeddedKafka;
import dev.mayfly.schemas.TopicSetup;
import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.MayflyCodecs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real broker, the gateway on an HTTP server on 127.0.0.1, and a reader of the events topic (one partition, so
 * batches read back in the order they were acknowledged).
 */
final class GatewayHarness implements AutoCloseable {
    final EmbeddedKafka kafka;
    final Gateway gateway;
    final HttpServer server;
    final ExecutorService executor = Executors.newFixedThreadPool(4);
    final KafkaConsumer<byte[], byte[]> consumer;
    final AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(null, Topics.EVENTS);
    /** Headers sent with every request unless the request names them (e.g. credentials). */
    final Map<String, String> defaultHeaders = new HashMap<>();
    private final List<MetricEventBatch> unread = new ArrayList<>();
    /** Event ids of the batches read whose record said the gateway made the id for it alone. */
    final Set<String> uniqueIds = new HashSet<>();
    /** Ticks read and left out (the gateway's time signal while no push arrives). */
    int ticks;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    GatewayHarness(Path dir, Map<String, String> extraConfig) throws IOException {
        kafka = EmbeddedKafka.on(dir, 0).start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicSetup.ensure(admin, Topics.EVENTS, Topics.AGGREGATES, Topics.DEAD_LETTER, 1, (short) 1);
        }
        Map<String, String> config = new HashMap<>(extraConfig);
        config.put("bootstrap.servers", kafka.bootstrapServers());
        config.putIfAbsent("push.ack.timeout", "5s");
        gateway = Gateway.create(GatewayConfig.from(config));
        server = HttpServer.create(HttpServerOptions.defaults().withAddress("127.0.0.1", 0));
        gateway.routes().forEach(server::route);
        server.start();
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        TopicPartition tp = new TopicPartition(Topics.EVENTS, 0);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!gateway.isReady() && System.nanoTime() < deadline) {
            sleep(50);
        }
        assertThat(gateway.isReady()).as("gateway ready").isTrue();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    HttpResponse<String> send(String method, String path, String contentType, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        Map<String, String> all = new HashMap<>(defaultHeaders);
        for (int i = 0; i < headers.length; i += 2) {
            all.put(headers[i], headers[i + 1]);
        }
        all.forEach((k, v) -> {
            if (v != null) {
                b.header(k, v);
            }
        });
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** As {@link #send}, the answer's body as bytes (a protobuf answer). */
    HttpResponse<byte[]> sendBytes(String method, String path, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", contentType);
        defaultHeaders.forEach((k, v) -> {
            if (v != null) {
                b.header(k, v);
            }
        });
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<String> pushText(String method, String path, String text, String... headers) throws Exception {
        return send(method, path, "text/plain; version=0.0.4; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), headers);
    }

    /** The next {@code n} batches of the events topic, in order (waiting up to 20 s for them). */
    List<MetricEventBatch> read(int n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (unread.size() < n && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                if (isTick(r)) {
                    ticks++;
                    continue;
                }
                MetricEventBatch batch = codec.decode(r.value());
                assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(batch.getEventId());
                if (r.headers().lastHeader(Topics.HEADER_UNIQUE_EVENT_ID) != null) {
                    uniqueIds.add(batch.getEventId());
                }
                unread.add(batch);
            }
        }
        assertThat(unread).as("batches read").hasSizeGreaterThanOrEqualTo(n);
        List<MetricEventBatch> out = new ArrayList<>(unread.subList(0, n));
        unread.subList(0, n).clear();
        return out;
    }

    /** Every batch written since the last read: reads until the topic has been quiet for a second. */
    private static boolean isTick(ConsumerRecord<byte[], byte[]> r) {
        return r.headers().lastHeader(Topics.HEADER_TICK) != null;
    }

    List<MetricEventBatch> readAll() {
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < Duration.ofSeconds(1).toNanos()) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                if (isTick(r)) { // the gateway's time signal while no push arrives: not a push
                    ticks++;
                    continue;
                }
                unread.add(codec.decode(r.value()));
                quietSince = System.nanoTime();
            }
        }
        List<MetricEventBatch> out = new ArrayList<>(unread);
        unread.clear();
        return out;
    }

    /**
     * Proves nothing was written since the last read: pushes a marker and checks the marker is the very next batch.
     */
    void assertNothingWrittenSinceLastRead() throws Exception {
        HttpResponse<String> marker = pushText("POST", "/metrics/job/marker", "marker_gauge 1\n");
        assertThat(marker.statusCode()).as(marker.body()).isEqualTo(200);
        assertThat(unread).as("batches written since the last read").isEmpty();
        MetricEventBatch next = read(1).get(0);
        assertThat(next.getSource().getJob()).as("the next batch is the marker").isEqualTo("marker");
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(java.time.Duration.ZERO);
        gateway.close();
        consumer.close();
        executor.shutdownNow();
        kafka.close();
    }
}
