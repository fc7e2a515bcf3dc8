package dev.mayfly.gateway;

import dev.mayfly.http.HttpServer;
import dev.mayfly.http.HttpServerOptions;
import dev.mayfly.gateway.internal.BatchSink;
import dev.mayfly.schemas.avro.MetricEventBatch;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** Acknowledgement, back-pressure and unavailability, with a sink the test controls and with no broker at all. */
class GatewayWithoutKafkaTest {
    /** Holds every write open until the test completes it. */
    static final class HeldSink implements BatchSink {
        final List<CompletableFuture<Void>> pending = new CopyOnWriteArrayList<>();
        final List<MetricEventBatch> written = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<Void> write(MetricEventBatch batch, boolean uniqueId) {
            written.add(batch);
            CompletableFuture<Void> f = new CompletableFuture<>();
            pending.add(f);
            return f;
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

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> push(HttpServer server, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics/job/j"))
                .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpServer serve(Gateway gateway, ExecutorService executor) throws Exception {
        HttpServer server = HttpServer.create(HttpServerOptions.defaults().withAddress("127.0.0.1", 0));
        gateway.routes().forEach(server::route);
        server.start();
        return server;
    }

    @Test
    void answersOnlyAfterTheAcknowledgementAndRefusesWhenTooMuchIsInFlight() throws Exception {
        HeldSink sink = new HeldSink();
        ExecutorService executor = Executors.newFixedThreadPool(4);
        // room for one small body at a time
        GatewayConfig config = GatewayConfig.from(Map.of("push.max.in.flight.bytes", "1024", "push.max.body.bytes", "100"));
        try (Gateway gateway = Gateway.create(config, sink)) {
            HttpServer server = serve(gateway, executor);
            CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return push(server, "g 1\n", "Idempotency-Key", "retry-me");
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (sink.pending.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(sink.written).hasSize(1);
            assertThat(sink.written.get(0).getEventId()).startsWith("retry-me@");
            Thread.sleep(200);
            assertThat(first).as("no answer before the acknowledgement").isNotDone();

            HttpResponse<String> second = push(server, "g 2\n");
            assertThat(second.statusCode()).isEqualTo(429);
            assertThat(second.body()).contains("too many pushes in flight");
            assertThat(second.headers().firstValue("Retry-After")).contains("1");

            sink.pending.get(0).complete(null);
            assertThat(first.get().statusCode()).isEqualTo(200);
            server.stop(java.time.Duration.ZERO);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void answers503WhenKafkaCannotBeReached() throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(2);
        GatewayConfig config = GatewayConfig.from(Map.of("bootstrap.servers", "127.0.0.1:1", "push.ack.timeout", "1s"));
        try (Gateway gateway = Gateway.create(config)) {
            assertThat(gateway.isReady()).isFalse();
            HttpServer server = serve(gateway, executor);
            long start = System.nanoTime();
            HttpResponse<String> r = push(server, "g 1\n");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("events topic unavailable");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
            server.stop(java.time.Duration.ZERO);
        } finally {
            executor.shutdownNow();
        }
    }
}
