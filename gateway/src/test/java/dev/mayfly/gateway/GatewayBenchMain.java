package dev.mayfly.gateway;

import dev.mayfly.http.HttpServer;
import dev.mayfly.http.HttpServerOptions;
import dev.mayfly.gateway.internal.BatchSink;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.kafka.EmbeddedKafka;
import dev.mayfly.schemas.TopicSetup;
import dev.mayfly.schemas.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * For gateway/bench/push-bench.sh: an embedded broker and the gateway (validation and durable acknowledgement as in
 * production) on 127.0.0.1:PORT, served as the launcher serves it: {@link HttpServer} with a pool of HTTP_THREADS
 * handler threads (0: the server's default). Prints "ready" when pushes are accepted; on stdin EOF prints how many batches the events
 * topic holds, then stops. With {@code -Dbench.sink=none} pushes are parsed and encoded but not written (to tell HTTP
 * and parsing cost from Kafka's). Usage: GatewayBenchMain PORT [HTTP_THREADS] [PARTITIONS] [key=value gateway settings...]
 */
public final class GatewayBenchMain {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int partitions = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path dir = Files.createTempDirectory("mayfly-gateway-bench");
        // a run writes gigabytes of batches: remove them when the bench stops
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (java.io.IOException e) {
                System.err.println("could not remove " + dir + ": " + e);
            }
        }));
        try (EmbeddedKafka kafka = EmbeddedKafka.on(dir, 0).start()) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                TopicSetup.ensure(admin, Topics.EVENTS, Topics.AGGREGATES, Topics.DEAD_LETTER, partitions, (short) 1);
            }
            Map<String, String> config = new HashMap<>();
            config.put("bootstrap.servers", kafka.bootstrapServers());
            for (int i = 3; i < args.length; i++) {
                config.put(args[i].substring(0, args[i].indexOf('=')), args[i].substring(args[i].indexOf('=') + 1));
            }
            boolean noSink = "none".equals(System.getProperty("bench.sink"));
            try (Gateway gateway = noSink ? Gateway.create(GatewayConfig.from(config), new EncodingOnlySink())
                    : Gateway.create(GatewayConfig.from(config))) {
                HttpServerOptions options = HttpServerOptions.defaults().withAddress("127.0.0.1", port);
                HttpServer server = HttpServer.create(threads > 0 ? options.withHandlerThreads(threads) : options);
                gateway.routes().forEach(server::route);
                server.start();
                while (!gateway.isReady()) {
                    Thread.sleep(50);
                }
                System.out.println("ready");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // wait for EOF
                }
                server.stop(java.time.Duration.ZERO);
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
                    for (int p = 0; p < partitions; p++) {
                        request.put(new TopicPartition(Topics.EVENTS, p), OffsetSpec.latest());
                    }
                    long total = admin.listOffsets(request).all().get().values().stream().mapToLong(o -> o.offset()).sum();
                    System.out.println("events topic holds " + total + " batches");
                }
            }
        }
    }

    /** Encodes every batch (as the Kafka sink does) and drops it. */
    static final class EncodingOnlySink implements BatchSink {
        private final dev.mayfly.schemas.codec.AvroCodec<MetricEventBatch> codec =
                dev.mayfly.schemas.codec.MayflyCodecs.events(null, Topics.EVENTS);

        @Override
        public CompletableFuture<Void> write(MetricEventBatch batch, boolean uniqueId) {
            codec.encode(batch);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public boolean writesWithoutWaiting() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
