package dev.mayfly.gateway;

import dev.mayfly.gateway.internal.KafkaBatchSink;
import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the events sink says a write cannot wait (so pushes are handled on the event loop), against a real broker:
 * only once the topic's metadata and buffer room are at hand, and a broker that goes away then freezes no connection.
 */
class KafkaBatchSinkIT {
    @TempDir
    Path dir;

    private static MetricEventBatch batch(String id) {
        return new MetricEventBatch(id, new Source("j", null, null, null), Instant.now(), Operation.RECORD, Map.of(), List.of());
    }

    private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    @Test
    void writesWithoutWaitingOnlyOncePrimedAndWhileTheBufferHasRoomForSeveralSends() throws Exception {
        try (GatewayHarness h = new GatewayHarness(dir, Map.of());
             KafkaBatchSink sink = new KafkaBatchSink(h.kafka.bootstrapServers(), Map.of(), Topics.EVENTS, h.codec, Duration.ofSeconds(5));
             KafkaBatchSink shortBuffer = new KafkaBatchSink(h.kafka.bootstrapServers(), Map.of("buffer.memory", "1048576"),
                     Topics.EVENTS, h.codec, Duration.ofSeconds(5))) {
            assertThat(eventually(sink::writesWithoutWaiting)).as("primed by the probe").isTrue();
            sink.write(batch("e1")).get();
            assertThat(eventually(shortBuffer::isReady)).isTrue();
            shortBuffer.write(batch("e2")).get();
            Thread.sleep(1_500); // a probe round or more
            assertThat(shortBuffer.writesWithoutWaiting()).as("1 MB of buffer holds fewer than 8 sends of 1 MB").isFalse();
        }
    }

    @Test
    void aBrokerThatGoesAwayFreezesNoConnectionAndItsPushesGet503() throws Exception {
        try (GatewayHarness h = new GatewayHarness(dir, Map.of("push.ack.timeout", "10s"))) {
            assertThat(h.pushText("POST", "/metrics/job/j", "g 1\n").statusCode()).isEqualTo(200);
            h.consumer.close(Duration.ZERO);
            h.kafka.close();
            // small plain pushes on connections of both event loops, written by a producer whose broker is gone (and
            // with it, soon, the topic's metadata)
            List<CompletableFuture<HttpResponse<String>>> pushes = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                pushes.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return h.pushText("POST", "/metrics/job/j", "g 1\n");
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, h.executor));
            }
            Thread.sleep(300);
            // new connections meanwhile, on either event loop, are answered long before a send waiting for the
            // metadata (10 s, were it allowed to wait) or the acknowledgement would give up
            long start = System.nanoTime();
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> other = h.http.send(HttpRequest.newBuilder(URI.create(h.url("/elsewhere")))
                        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(other.statusCode()).isEqualTo(404);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("no event loop was held").isLessThan(Duration.ofSeconds(5));
            for (CompletableFuture<HttpResponse<String>> p : pushes) {
                assertThat(p.get().statusCode()).as(p.get().body()).isEqualTo(503);
            }
        }
    }
}
