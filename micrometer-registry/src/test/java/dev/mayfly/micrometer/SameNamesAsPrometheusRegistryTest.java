package dev.mayfly.micrometer;

import dev.mayfly.producer.RecordingMetrics;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.lang.ref.Reference;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same meters registered on Micrometer's own Prometheus registry and on Mayfly's: every sample name (and label
 * name) Mayfly would serve for them is one the Prometheus registry exposes.
 */
class SameNamesAsPrometheusRegistryTest {
    @Test
    void everyPublishedSeriesHasThePrometheusRegistrysNameAndLabelNames() throws Exception {
        RecordingMetrics recording = new RecordingMetrics(Map.of("job", "checkout", "bootstrap.servers", "localhost:1"));
        MayflyMeterRegistry mayfly = new MayflyMeterRegistry(MayflyRegistryConfig.builder().build(), recording.metrics());
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MeterRegistry both = new CompositeMeterRegistry();
        ((CompositeMeterRegistry) both).add(mayfly).add(prometheus);

        Counter.builder("orders.placed").tag("payment.method", "card").register(both).increment();
        Counter.builder("api.requests_total").register(both).increment();
        Timer.builder("checkout.latency").serviceLevelObjectives(Duration.ofMillis(100)).register(both).record(Duration.ofMillis(5));
        Timer.builder("work").publishPercentileHistogram().register(both).record(Duration.ofMillis(5));
        DistributionSummary.builder("payload.size").baseUnit("bytes").serviceLevelObjectives(100).register(both).record(5);
        // Micrometer holds gauge and function-counter state weakly: the test keeps it reachable until the flush
        AtomicLong depth = both.gauge("queue.depth", new AtomicLong(3));
        AtomicLong waited = new AtomicLong(1500);
        TimeGauge.builder("oldest.job", waited, TimeUnit.MILLISECONDS, AtomicLong::get).register(both);
        AtomicLong hits = new AtomicLong(7);
        FunctionCounter.builder("cache.hits", hits, AtomicLong::get).baseUnit("requests").register(both);
        mayfly.flush();
        Reference.reachabilityFence(depth);
        Reference.reachabilityFence(waited);
        Reference.reachabilityFence(hits);

        Set<String> exposed = new TreeSet<>();
        for (String line : prometheus.scrape().split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                exposed.add(line.substring(0, line.indexOf(line.contains("{") ? '{' : ' ')) + labelNames(line));
            }
        }
        Set<String> published = new TreeSet<>();
        for (MetricPoint p : recording.batches().get(0).getPoints()) {
            String labels = labelNames(p.getLabels().keySet());
            if (p.getType() == MetricType.HISTOGRAM) {
                published.add(p.getName() + "_bucket" + labelNames(withLe(p.getLabels().keySet())));
                published.add(p.getName() + "_count" + labels);
                published.add(p.getName() + "_sum" + labels);
            } else {
                published.add(p.getName() + labels);
            }
        }
        assertThat(published).hasSize(3 * 3 + 5);
        assertThat(exposed).as("Prometheus registry's samples").containsAll(published);
    }

    private static Set<String> withLe(Set<String> names) {
        Set<String> all = new TreeSet<>(names);
        all.add("le");
        return all;
    }

    private static String labelNames(Set<String> names) {
        return new TreeSet<>(names).toString();
    }

    /** The label names of a text-format sample line, sorted. */
    private static String labelNames(String line) {
        Set<String> names = new TreeSet<>();
        int open = line.indexOf('{');
        if (open >= 0) {
            for (String pair : line.substring(open + 1, line.lastIndexOf('}')).split(",(?=[a-zA-Z_]+=\")")) {
                names.add(pair.substring(0, pair.indexOf('=')));
            }
        }
        return names.toString();
    }
}
