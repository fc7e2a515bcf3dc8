package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.avro.MetricType;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.mayfly.exporter.internal.TestAggregates.aggregate;
import static dev.mayfly.exporter.internal.TestAggregates.counter;
import static dev.mayfly.exporter.internal.TestAggregates.gauge;
import static org.assertj.core.api.Assertions.assertThat;

class ConflictTest {
    @Test
    void theProcessFamiliesAreTypedAsAPushedFamilyOfTheirNameMeetsThem() {
        PrometheusRegistry registry = new PrometheusRegistry();
        Counter.builder().name("process_cpu_seconds_total").help("CPU").register(registry).inc();
        Gauge.builder().name("jvm_memory_used_bytes").help("Memory").register(registry).set(1);
        Info.builder().name("jvm_runtime_info").help("Runtime").labelNames("version").register(registry).addLabelValues("17");
        assertThat(FamilyMerger.typesByName(registry.scrape())).containsOnly(
                Map.entry("process_cpu_seconds", MetricType.COUNTER), // a pushed counter of that name is merged into it
                Map.entry("jvm_memory_used_bytes", MetricType.GAUGE),
                Map.entry("jvm_runtime", MetricType.UNKNOWN), // no pushed family is merged into an info
                Map.entry("jvm_runtime_info", MetricType.UNKNOWN));
    }

    @Test
    void sameNameDifferentTypesServesTheMajorityTypeAndCountsTheRest() {
        Fixture f = new Fixture().put(counter("tasks", 1, "job", "a"), counter("tasks", 2, "job", "b"), gauge("tasks", 5, "job", "c"));
        assertThat(f.text(ContentNegotiation.TEXT)).isEqualTo("""
                # TYPE tasks_total counter
                tasks_total{job="a"} 1.0
                tasks_total{job="b"} 2.0
                """);
        assertThat(f.selfMetricsText()).contains("mayfly_exporter_conflicting_series 1.0");
    }

    @Test
    void aTieBetweenTypesIsDecidedByTypeOrder() {
        Fixture f = new Fixture().put(gauge("tie", 5, "job", "a"), counter("tie", 1, "job", "b"));
        assertThat(f.text(ContentNegotiation.TEXT)).isEqualTo("""
                # TYPE tie_total counter
                tie_total{job="b"} 1.0
                """);
    }

    @Test
    void familiesWhoseSampleNamesCollideAreServedOnceFirstNameWins() {
        Fixture f = new Fixture().put(counter("hits", 1, "job", "a"), gauge("hits_total", 9, "job", "z"),
                gauge("hits_created", 9, "job", "z"),
                aggregate("lat", MetricType.HISTOGRAM, "job", "a").setHistogram(TestAggregates.histogram(new double[]{1}, new long[]{1, 0}, 0.5)).build(),
                gauge("lat_count", 3, "job", "a"));
        String text = f.text(ContentNegotiation.OPEN_METRICS);
        assertThat(text).isEqualTo("""
                # TYPE hits counter
                hits_total{job="a"} 1.0
                hits_created{job="a"} 1700000000.123
                # TYPE lat histogram
                lat_bucket{job="a",le="1.0"} 1
                lat_bucket{job="a",le="+Inf"} 1
                lat_count{job="a"} 1
                lat_sum{job="a"} 0.5
                lat_created{job="a"} 1700000000.123
                # EOF
                """);
        assertThat(f.selfMetricsText()).contains("mayfly_exporter_conflicting_series 3.0");
    }

    @Test
    void aggregatesWithTheNameOfAnOwnFamilyMergeWhenTheTypeMatchesAndAreLeftOutOtherwise() {
        Fixture f = new Fixture().put(gauge("shared_gauge", 2, "job", "fn"), gauge("shared_gauge", 3, "area", "heap"),
                counter("own_gauge", 1, "job", "fn"));
        Gauge shared = Gauge.builder().name("shared_gauge").help("Own help").labelNames("area").register(f.scrapedRegistry);
        shared.labelValues("heap").set(1);
        Gauge.builder().name("own_gauge").help("Own").register(f.scrapedRegistry).set(4);
        assertThat(f.text(ContentNegotiation.TEXT)).isEqualTo("""
                # HELP own_gauge Own
                # TYPE own_gauge gauge
                own_gauge 4.0
                # HELP shared_gauge Own help
                # TYPE shared_gauge gauge
                shared_gauge{area="heap"} 1.0
                shared_gauge{job="fn"} 2.0
                """);
        assertThat(f.selfMetricsText()).contains("mayfly_exporter_conflicting_series 2.0");
    }
}
