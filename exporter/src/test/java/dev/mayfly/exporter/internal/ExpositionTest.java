package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.avro.MetricType;
import org.junit.jupiter.api.Test;

import static dev.mayfly.exporter.internal.TestAggregates.aggregate;
import static dev.mayfly.exporter.internal.TestAggregates.counter;
import static dev.mayfly.exporter.internal.TestAggregates.gauge;
import static dev.mayfly.exporter.internal.TestAggregates.histogram;
import static org.assertj.core.api.Assertions.assertThat;

class ExpositionTest {
    static Fixture realistic() {
        return new Fixture().put(
                aggregate("http_requests", MetricType.COUNTER, "job", "api", "path", "/a\"b\\c\nd")
                        .setHelp("Requests served.\nBy path \\ \"quoted\"").setValue(42).build(),
                aggregate("http_requests", MetricType.COUNTER, "job", "api", "path", "/")
                        .setHelp("Requests served.\nBy path \\ \"quoted\"").setValue(7.5).build(),
                aggregate("room_temperature_celsius", MetricType.GAUGE, "job", "sensors", "room", "kitchen")
                        .setHelp("Temperature").setUnit("celsius").setValue(-3.25).build(),
                aggregate("request_duration_seconds", MetricType.HISTOGRAM, "job", "api")
                        .setHelp("Request duration").setUnit("seconds")
                        .setHistogram(histogram(new double[]{0.1, 1}, new long[]{1, 2, 3}, 4.5)).build(),
                aggregate("request_duration_seconds_max_1m", MetricType.GAUGE, "job", "api")
                        .setHelp("Max request duration over 1m windows").setValue(2.5)
                        .setWindowStart(TestAggregates.CREATED).setWindowEnd(TestAggregates.UPDATED).build(),
                aggregate("queue_depth", MetricType.UNKNOWN, "job", "worker").setValue(3).build());
    }

    @Test
    void textFormat004() {
        assertThat(realistic().text(ContentNegotiation.TEXT)).isEqualTo("""
                # HELP http_requests_total Requests served.\\nBy path \\\\ "quoted"
                # TYPE http_requests_total counter
                http_requests_total{job="api",path="/"} 7.5
                http_requests_total{job="api",path="/a\\"b\\\\c\\nd"} 42.0
                # TYPE queue_depth untyped
                queue_depth{job="worker"} 3.0
                # HELP request_duration_seconds Request duration
                # TYPE request_duration_seconds histogram
                request_duration_seconds_bucket{job="api",le="0.1"} 1
                request_duration_seconds_bucket{job="api",le="1.0"} 3
                request_duration_seconds_bucket{job="api",le="+Inf"} 6
                request_duration_seconds_count{job="api"} 6
                request_duration_seconds_sum{job="api"} 4.5
                # HELP request_duration_seconds_max_1m Max request duration over 1m windows
                # TYPE request_duration_seconds_max_1m gauge
                request_duration_seconds_max_1m{job="api"} 2.5
                # HELP room_temperature_celsius Temperature
                # TYPE room_temperature_celsius gauge
                room_temperature_celsius{job="sensors",room="kitchen"} -3.25
                """);
    }

    @Test
    void openMetrics100() {
        assertThat(realistic().text(ContentNegotiation.OPEN_METRICS)).isEqualTo("""
                # TYPE http_requests counter
                # HELP http_requests Requests served.\\nBy path \\\\ \\"quoted\\"
                http_requests_total{job="api",path="/"} 7.5
                http_requests_created{job="api",path="/"} 1700000000.123
                http_requests_total{job="api",path="/a\\"b\\\\c\\nd"} 42.0
                http_requests_created{job="api",path="/a\\"b\\\\c\\nd"} 1700000000.123
                # TYPE queue_depth unknown
                queue_depth{job="worker"} 3.0
                # TYPE request_duration_seconds histogram
                # UNIT request_duration_seconds seconds
                # HELP request_duration_seconds Request duration
                request_duration_seconds_bucket{job="api",le="0.1"} 1
                request_duration_seconds_bucket{job="api",le="1.0"} 3
                request_duration_seconds_bucket{job="api",le="+Inf"} 6
                request_duration_seconds_count{job="api"} 6
                request_duration_seconds_sum{job="api"} 4.5
                request_duration_seconds_created{job="api"} 1700000000.123
                # TYPE request_duration_seconds_max_1m gauge
                # HELP request_duration_seconds_max_1m Max request duration over 1m windows
                request_duration_seconds_max_1m{job="api"} 2.5
                # TYPE room_temperature_celsius gauge
                # UNIT room_temperature_celsius celsius
                # HELP room_temperature_celsius Temperature
                room_temperature_celsius{job="sensors",room="kitchen"} -3.25
                # EOF
                """);
    }

    /** The engine keeps NaN and infinite gauges as their last value; they are served as Prometheus writes them. */
    @Test
    void nonFiniteGaugesAreServedInBothTextFormats() {
        Fixture f = new Fixture().put(gauge("ratio", Double.NaN, "job", "a"), gauge("ratio", Double.POSITIVE_INFINITY, "job", "b"),
                gauge("ratio", Double.NEGATIVE_INFINITY, "job", "c"));
        assertThat(f.text(ContentNegotiation.TEXT)).isEqualTo("""
                # TYPE ratio gauge
                ratio{job="a"} NaN
                ratio{job="b"} +Inf
                ratio{job="c"} -Inf
                """);
        assertThat(f.text(ContentNegotiation.OPEN_METRICS)).isEqualTo("""
                # TYPE ratio gauge
                ratio{job="a"} NaN
                ratio{job="b"} +Inf
                ratio{job="c"} -Inf
                # EOF
                """);
        assertThat(f.store.size()).isEqualTo(3);
    }

    @Test
    void windowedAggregatesAreGaugesNamedWithTheirWindow() {
        String text = realistic().text(ContentNegotiation.TEXT, "request_duration_seconds_max_1m");
        assertThat(text).isEqualTo("""
                # HELP request_duration_seconds_max_1m Max request duration over 1m windows
                # TYPE request_duration_seconds_max_1m gauge
                request_duration_seconds_max_1m{job="api"} 2.5
                """);
    }

    @Test
    void nameFilterSelectsFamiliesAsThePrometheusClientDoes() {
        Fixture f = realistic();
        assertThat(f.text(ContentNegotiation.TEXT, "http_requests_total", "room_temperature_celsius"))
                .contains("# TYPE http_requests_total counter", "# TYPE room_temperature_celsius gauge")
                .doesNotContain("queue_depth", "request_duration_seconds");
        assertThat(f.text(ContentNegotiation.TEXT, "no_such_metric")).isEmpty();
    }

    @Test
    void tombstoneRemovesTheSeries() {
        Fixture f = new Fixture().put(gauge("up_series", 1, "job", "a"), gauge("up_series", 2, "job", "b"));
        f.tombstone("up_series{job=\"a\"}");
        assertThat(f.text(ContentNegotiation.TEXT)).isEqualTo("""
                # TYPE up_series gauge
                up_series{job="b"} 2.0
                """);
        f.tombstone("up_series{job=\"b\"}");
        assertThat(f.text(ContentNegotiation.TEXT)).isEmpty();
        assertThat(f.store.size()).isZero();
    }

    @Test
    void counterStoredWithTotalSuffixIsExposedOnce() {
        Fixture f = new Fixture().put(counter("jobs_total", 3, "job", "a"));
        assertThat(f.text(ContentNegotiation.TEXT)).isEqualTo("""
                # TYPE jobs_total counter
                jobs_total{job="a"} 3.0
                """);
    }

    @Test
    void unitThatIsNotTheNameSuffixIsNotExposed() {
        Fixture f = new Fixture().put(aggregate("latency", MetricType.GAUGE, "job", "a").setUnit("seconds").setValue(1).build());
        assertThat(f.text(ContentNegotiation.OPEN_METRICS)).isEqualTo("""
                # TYPE latency gauge
                latency{job="a"} 1.0
                # EOF
                """);
    }

    @Test
    void recordsThatDoNotDecodeOrCannotBeServedAreSkippedAndCounted() {
        Fixture f = new Fixture().put(gauge("kept", 1, "job", "a"));
        f.consumer.apply("kept{job=\"a\"}", new byte[]{1, 2, 3, 4, 5, 6});
        f.consumer.apply("other{job=\"a\"}", f.codec.encode(gauge("kept", 9, "job", "a")));
        f.put(aggregate("bad_histogram", MetricType.HISTOGRAM).setHistogram(histogram(new double[]{1, 2}, new long[]{1, 1}, 1)).build(),
                aggregate("bad_counter", MetricType.COUNTER).setValue(-1).build(),
                aggregate("summary", MetricType.SUMMARY).build());
        assertThat(f.text(ContentNegotiation.TEXT)).isEqualTo("""
                # TYPE kept gauge
                kept{job="a"} 1.0
                """);
        assertThat(f.selfMetricsText()).contains(
                "mayfly_exporter_decode_errors_total{reason=\"unknown_framing\"} 1",
                "mayfly_exporter_decode_errors_total{reason=\"key_mismatch\"} 1",
                "mayfly_exporter_decode_errors_total{reason=\"invalid_histogram\"} 1",
                "mayfly_exporter_decode_errors_total{reason=\"invalid_series\"} 1",
                "mayfly_exporter_decode_errors_total{reason=\"unsupported_type\"} 1",
                "mayfly_exporter_records_consumed_total 6",
                "mayfly_exporter_series 1");
    }
}
