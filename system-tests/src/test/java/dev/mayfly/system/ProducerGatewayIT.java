package dev.mayfly.system;

import dev.mayfly.producer.Counter;
import dev.mayfly.producer.FlushException;
import dev.mayfly.producer.Histogram;
import dev.mayfly.producer.MayflyMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The producer library's HTTP transport ({@code gateway.url}) against {@code mayfly standalone}, as a fleet of
 * containers uses it: every flush is counted once on {@code /metrics}, also when the gateway's answers are lost and
 * the library sends the same batch again, and a batch the gateway refuses for good is dropped with a
 * {@link FlushException} saying so, while the flushes around it are counted.
 */
class ProducerGatewayIT {
    @TempDir
    Path dir;

    @Test
    void flushesThroughTheGatewayAreCountedOnceAlsoWhenAnswersAreLost() throws Exception {
        int httpPort = Ports.free();
        String base = "http://127.0.0.1:" + httpPort;
        try (MayflyProcess standalone = new MayflyProcess("standalone", dir, "standalone", "--data-dir", dir.resolve("data").toString(),
                "--http-port", String.valueOf(httpPort), "--kafka-port", String.valueOf(Ports.free()), "--bind", "127.0.0.1",
                "--set", "push.max.series=20").lean("1g").start()) {
            MetricsText.awaitStatus(base + "/-/ready", 200, Duration.ofSeconds(150));

            // four warm containers, 25 invocations each, every invocation flushing before it returns
            ExecutorService containers = Executors.newFixedThreadPool(4);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                done.add(containers.submit(() -> {
                    try (MayflyMetrics metrics = container(base)) {
                        Counter invocations = metrics.counter("http_invocations_total").help("Invocations.").register();
                        Counter requests = metrics.counter("http_requests_total").labelNames("route").register();
                        Histogram duration = metrics.histogram("http_duration_seconds").classicUpperBounds(0.1, 1).register();
                        for (int i = 0; i < 25; i++) {
                            invocations.labelValues().inc(1);
                            requests.labelValues(i % 2 == 0 ? "/cart" : "/pay").inc(2);
                            duration.labelValues().observe(0.05);
                            metrics.flush();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            containers.shutdown();
            awaitValue(base, "http_invocations_total{function=\"checkout\",job=\"http-fn\"}", 100);
            awaitValue(base, "http_requests_total{function=\"checkout\",job=\"http-fn\",route=\"/cart\"}", 104);
            awaitValue(base, "http_duration_seconds_count{function=\"checkout\",job=\"http-fn\"}", 100);

            // answers lost: the gateway takes the batch, the proxy drops its answer, twice (the library's immediate
            // second try included); the next flush sends the pending batch again, with the new one
            try (LossyProxy proxy = new LossyProxy(httpPort, 2); MayflyMetrics metrics = container("http://127.0.0.1:" + proxy.port())) {
                Counter lost = metrics.counter("http_lost_answers_total").register();
                lost.labelValues().inc(1);
                assertThatThrownBy(metrics::flush).isInstanceOf(FlushException.class)
                        .hasMessageContaining("not acknowledged").hasMessageContaining("1 batch kept for the next flush");
                lost.labelValues().inc(10);
                metrics.flush();
                assertThat(proxy.dropped.get()).as("answers dropped").isEqualTo(2);
                awaitValue(base, "http_lost_answers_total{function=\"checkout\",job=\"http-fn\"}", 11);
            }

            // refused for good: more series than push.max.series gets a 413; the batch is dropped, the next flush counts
            try (MayflyMetrics metrics = container(base)) {
                Counter wide = metrics.counter("http_wide_total").labelNames("n").register();
                for (int i = 0; i < 21; i++) {
                    wide.labelValues("n" + i).inc(1);
                }
                assertThatThrownBy(metrics::flush).isInstanceOf(FlushException.class)
                        .hasMessageContaining("refused, and dropped: it would never be accepted")
                        .hasMessageContaining("the gateway answered 413: push has more than 20 series")
                        .hasMessageContaining("0 batches kept for the next flush")
                        .satisfies(e -> assertThat(((FlushException) e).dropped()).isTrue());
                wide.labelValues("n0").inc(5);
                metrics.flush();
                awaitValue(base, "http_wide_total{function=\"checkout\",job=\"http-fn\",n=\"n0\"}", 5);
                assertThat(MetricsText.scrape(base + "/metrics")).doesNotContainKey("http_wide_total{function=\"checkout\",job=\"http-fn\",n=\"n1\"}");
            }
        }
    }

    private static MayflyMetrics container(String gatewayUrl) {
        return MayflyMetrics.fromConfig(Map.of("gateway.url", gatewayUrl, "job", "http-fn", "function", "checkout", "flush.timeout", "10s"));
    }

    private static void awaitValue(String base, String sample, double value) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Map<String, Double> last = null;
        while (System.nanoTime() < deadline) {
            last = MetricsText.scrape(base + "/metrics");
            if (last != null && Double.valueOf(value).equals(last.get(sample))) {
                Thread.sleep(1_000); // and it stays there: nothing counted twice arrives later
                assertThat(MetricsText.scrape(base + "/metrics")).containsEntry(sample, value);
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("expected " + sample + " " + value + " on /metrics, last scrape had " + (last == null ? null : last.get(sample)));
    }

    /**
     * A TCP proxy to the gateway that, on its first {@code dropAnswers} connections, lets the request through and then
     * closes the connection as soon as the answer starts, without passing it on: the push was taken, its answer lost.
     */
    private static final class LossyProxy implements AutoCloseable {
        final AtomicInteger dropped = new AtomicInteger();
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final ExecutorService threads = Executors.newCachedThreadPool();

        LossyProxy(int targetPort, int dropAnswers) throws IOException {
            AtomicInteger connections = new AtomicInteger();
            threads.submit(() -> {
                while (!server.isClosed()) {
                    Socket client = server.accept();
                    Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                    boolean drop = connections.incrementAndGet() <= dropAnswers;
                    threads.submit(() -> copy(client, target, false));
                    threads.submit(() -> {
                        copy(target, client, drop);
                        if (drop) {
                            dropped.incrementAndGet();
                        }
                    });
                }
                return null;
            });
        }

        int port() {
            return server.getLocalPort();
        }

        private static void copy(Socket from, Socket to, boolean dropAnswer) {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                byte[] buffer = new byte[8192];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (dropAnswer) {
                        break; // the answer began: drop it and close both sides
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the other side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException e) {
                // closing
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            threads.shutdownNow();
        }
    }
}
