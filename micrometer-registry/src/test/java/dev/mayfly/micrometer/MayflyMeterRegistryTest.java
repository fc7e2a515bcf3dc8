package dev.mayfly.micrometer;

import dev.mayfly.producer.RecordingMetrics;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.config.ConfigException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.Test;

import java.lang.ref.Reference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What each flush sends, decoded from the producer library's Kafka records (a MockProducer behind the real library). */
class MayflyMeterRegistryTest {
    private final RecordingMetrics recording = new RecordingMetrics(Map.of("job", "checkout", "bootstrap.servers", "localhost:1", "flush.timeout", "1s"));
    private final MayflyMeterRegistry registry = new MayflyMeterRegistry(MayflyRegistryConfig.builder().build(), recording.metrics());

    @Test
    void counterReportsTheIncreaseSinceThePreviousFlushUnderItsPrometheusName() throws Exception {
        Counter orders = Counter.builder("orders.placed").description("Orders placed.").tag("country", "fr").tag("payment.method", "card").register(registry);
        orders.increment();
        orders.increment(2);
        registry.flush();
        orders.increment(2);
        registry.flush();
        registry.flush();

        assertThat(recording.batches()).hasSize(2);
        MetricPoint first = only(recording.batches().get(0));
        assertThat(first.getName()).isEqualTo("orders_placed_total");
        assertThat(first.getType()).isEqualTo(MetricType.COUNTER);
        assertThat(first.getHelp()).isEqualTo("Orders placed.");
        assertThat(first.getLabels()).isEqualTo(Map.of("country", "fr", "payment_method", "card"));
        assertThat(first.getValue()).isEqualTo(3.0);
        assertThat(only(recording.batches().get(1)).getValue()).isEqualTo(2.0);
        assertThat(orders.count()).as("Micrometer's own view stays cumulative").isEqualTo(5.0);
        assertThat(recording.batches().get(0).getSource().getJob()).isEqualTo("checkout");
    }

    @Test
    void eachFlushIsOneBatchKeyedByItsOwnEventId() throws Exception {
        Counter c = registry.counter("calls");
        Timer t = registry.timer("work");
        for (int i = 0; i < 3; i++) {
            c.increment();
            t.record(Duration.ofMillis(5));
            registry.flush();
        }
        List<MetricEventBatch> batches = recording.batches();
        assertThat(batches).hasSize(3);
        assertThat(batches).allSatisfy(b -> assertThat(b.getPoints()).hasSize(2));
        assertThat(recording.keys()).containsExactlyElementsOf(batches.stream().map(MetricEventBatch::getEventId).toList());
        assertThat(recording.keys()).doesNotHaveDuplicates();
    }

    @Test
    void timerIsAHistogramInSecondsWithItsServiceLevelObjectivesAsBuckets() throws Exception {
        Timer latency = Timer.builder("checkout.latency").tag("route", "/pay")
                .serviceLevelObjectives(Duration.ofMillis(100), Duration.ofSeconds(1)).register(registry);
        latency.record(Duration.ofMillis(50));
        latency.record(Duration.ofMillis(100)); // equal to a bound: in that bound's bucket, as in Prometheus
        latency.record(Duration.ofSeconds(2));
        registry.flush();
        latency.record(500, TimeUnit.MILLISECONDS);
        registry.flush();

        MetricPoint first = only(recording.batches().get(0));
        assertThat(first.getName()).isEqualTo("checkout_latency_seconds");
        assertThat(first.getType()).isEqualTo(MetricType.HISTOGRAM);
        assertThat(first.getHistogram().getBounds()).containsExactly(0.1, 1.0);
        assertThat(first.getHistogram().getBucketCounts()).containsExactly(2L, 0L, 1L);
        assertThat(first.getHistogram().getCount()).isEqualTo(3);
        assertThat(first.getHistogram().getSum()).isEqualTo(0.05 + 0.1 + 2.0);
        MetricPoint second = only(recording.batches().get(1));
        assertThat(second.getHistogram().getBucketCounts()).containsExactly(0L, 1L, 0L);
        assertThat(second.getHistogram().getSum()).isEqualTo(0.5);
        assertThat(latency.count()).isEqualTo(4);
        assertThat(latency.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(2650.0);
    }

    @Test
    void timerWithoutBucketsHasOnlyTheInfBucketSoCountAndSumAsInPrometheus() throws Exception {
        registry.timer("plain").record(Duration.ofMillis(250));
        registry.flush();
        MetricPoint p = only(recording.batches().get(0));
        assertThat(p.getName()).isEqualTo("plain_seconds");
        assertThat(p.getHistogram().getBounds()).isEmpty();
        assertThat(p.getHistogram().getBucketCounts()).containsExactly(1L);
        assertThat(p.getHistogram().getSum()).isEqualTo(0.25);
    }

    @Test
    void distributionSummaryIsAHistogramInItsBaseUnit() throws Exception {
        DistributionSummary size = DistributionSummary.builder("payload.size").baseUnit("bytes")
                .serviceLevelObjectives(100, 1000).register(registry);
        size.record(10);
        size.record(1000);
        size.record(5000);
        size.record(Double.NaN); // ignored by Micrometer
        registry.flush();
        MetricPoint p = only(recording.batches().get(0));
        assertThat(p.getName()).isEqualTo("payload_size_bytes");
        assertThat(p.getHistogram().getBounds()).containsExactly(100.0, 1000.0);
        assertThat(p.getHistogram().getBucketCounts()).containsExactly(1L, 1L, 1L);
        assertThat(p.getHistogram().getSum()).isEqualTo(6010.0);
    }

    @Test
    void gaugesAreReadAtEachFlushAndAGoneObjectIsNotPublished() throws Exception {
        AtomicInteger depth = registry.gauge("queue.depth", new AtomicInteger(4));
        AtomicLong waited = new AtomicLong(1500);
        TimeGauge.builder("oldest.job", waited, TimeUnit.MILLISECONDS, AtomicLong::get).register(registry);
        Gauge.builder("broken", () -> { throw new IllegalStateException("no"); }).register(registry);
        registry.flush();
        depth.set(7);
        registry.flush();
        Reference.reachabilityFence(depth); // Micrometer holds gauge state weakly
        Reference.reachabilityFence(waited);

        Map<String, MetricPoint> first = byName(recording.batches().get(0));
        assertThat(first.keySet()).containsExactlyInAnyOrder("queue_depth", "oldest_job_seconds");
        assertThat(first.get("queue_depth").getType()).isEqualTo(MetricType.GAUGE);
        assertThat(first.get("queue_depth").getValue()).isEqualTo(4.0);
        assertThat(first.get("oldest_job_seconds").getValue()).isEqualTo(1.5);
        assertThat(byName(recording.batches().get(1)).get("queue_depth").getValue()).isEqualTo(7.0);
    }

    @Test
    void functionCounterReportsTheIncreaseOfItsFunction() throws Exception {
        AtomicLong hits = new AtomicLong(10);
        FunctionCounter.builder("cache.hits", hits, AtomicLong::get).register(registry);
        registry.flush();
        hits.set(13);
        registry.flush();
        registry.flush();
        Reference.reachabilityFence(hits); // Micrometer holds a function counter's state weakly
        assertThat(only(recording.batches().get(0)).getName()).isEqualTo("cache_hits_total");
        assertThat(only(recording.batches().get(0)).getValue()).isEqualTo(10.0);
        assertThat(only(recording.batches().get(1)).getValue()).isEqualTo(3.0);
        assertThat(recording.batches()).hasSize(2);
    }

    @Test
    void aFunctionCounterRemovedAndRegisteredAgainGoesOnFromItsLastReadAndAResetCountsInFull() throws Exception {
        AtomicLong hits = new AtomicLong(10);
        FunctionCounter first = FunctionCounter.builder("cache.hits", hits, AtomicLong::get).register(registry);
        registry.flush();
        registry.remove(first);
        hits.set(12);
        FunctionCounter.builder("cache.hits", hits, AtomicLong::get).register(registry);
        registry.flush();
        AtomicLong restarted = new AtomicLong(5); // a new source object that started from 0
        registry.remove(registry.find("cache.hits").functionCounter());
        FunctionCounter.builder("cache.hits", restarted, AtomicLong::get).register(registry);
        registry.flush();
        Reference.reachabilityFence(restarted); // Micrometer holds a function counter's state weakly
        assertThat(recording.batches()).extracting(b -> only(b).getValue()).containsExactly(10.0, 2.0, 5.0);
    }

    @Test
    void groupingLabelsGoOnEverySeriesAndWinOverATagOfTheSameName() throws Exception {
        try (MayflyMeterRegistry grouped = new MayflyMeterRegistry(MayflyRegistryConfig.builder().groupingLabel("env", "prod").build(), recording.metrics())) {
            grouped.counter("deploys", "env", "dev", "team", "pay").increment();
            grouped.flush();
        }
        assertThat(only(recording.batches().get(0)).getLabels()).isEqualTo(Map.of("env", "prod", "team", "pay"));
    }

    @Test
    void aMeterMayflyWouldRefuseWorksLocallyIsNotPublishedAndListenersAreTold() throws Exception {
        List<String> failures = new ArrayList<>();
        registry.config().onMeterRegistrationFailed((id, reason) -> failures.add(id.getName() + ": " + reason));
        registry.counter("requests", "route", "/").increment();
        Counter otherKeys = registry.counter("requests", "status", "200");
        Counter reserved = registry.counter("jobs", "instance", "i-1");
        otherKeys.increment(5);
        reserved.increment();
        registry.flush();

        assertThat(otherKeys.count()).isEqualTo(5.0);
        assertThat(failures).hasSize(2);
        assertThat(failures.get(0)).startsWith("requests: ").contains("label names");
        assertThat(failures.get(1)).startsWith("jobs: ").contains("instance");
        assertThat(byName(recording.batches().get(0)).keySet()).containsExactly("requests_total");
        assertThat(only(recording.batches().get(0)).getLabels()).isEqualTo(Map.of("route", "/"));
    }

    @Test
    void closeFlushesWhatIsLeftOnce() {
        Counter c = registry.counter("last.words");
        c.increment(4);
        registry.close();
        registry.close();
        assertThat(recording.batches()).hasSize(1);
        assertThat(only(recording.batches().get(0)).getValue()).isEqualTo(4.0);
    }

    @Test
    void stepPublishesInTheBackground() throws Exception {
        MayflyRegistryConfig config = MayflyRegistryConfig.builder().step(Duration.ofMillis(50)).build();
        try (MayflyMeterRegistry stepping = new MayflyMeterRegistry(config, recording.metrics())) {
            stepping.counter("ticks").increment(2);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (recording.batches().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(recording.batches()).as("published without flush()").isNotEmpty();
            assertThat(only(recording.batches().get(0)).getValue()).isEqualTo(2.0);
        }
    }

    @Test
    void invalidSettingsAreRejectedWithOneLineNamingThem() {
        assertThatThrownBy(() -> MayflyRegistryConfig.builder().groupingLabel("1env", "x").build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("grouping label '1env'");
        assertThatThrownBy(() -> MayflyRegistryConfig.builder().groupingLabel("job", "x").build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("'job' is reserved");
        assertThatThrownBy(() -> MayflyRegistryConfig.builder().step(Duration.ZERO).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("step");
        assertThatThrownBy(() -> MayflyRegistryConfig.builder().job("checkout").producer("flush.timout", "1s").build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("flush.timout");
        assertThatThrownBy(() -> MayflyRegistryConfig.builder().job("checkout").producer("flush.timeout", "soon").build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("flush.timeout");
        assertThatThrownBy(() -> new MayflyMeterRegistry(MayflyRegistryConfig.builder().build()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("job");
        assertThatThrownBy(() -> new MayflyMeterRegistry(MayflyRegistryConfig.builder().job("x").build(), recording.metrics()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("producer settings [job]");
    }

    private static MetricPoint only(MetricEventBatch batch) {
        assertThat(batch.getPoints()).hasSize(1);
        return batch.getPoints().get(0);
    }

    private static Map<String, MetricPoint> byName(MetricEventBatch batch) {
        Map<String, MetricPoint> points = new TreeMap<>();
        batch.getPoints().forEach(p -> points.put(p.getName(), p));
        return points;
    }

}
