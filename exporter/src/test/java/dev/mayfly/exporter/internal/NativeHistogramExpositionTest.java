package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.NativeHistogramValue;
import io.prometheus.metrics.config.EscapingScheme;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.mayfly.exporter.internal.TestAggregates.aggregate;
import static org.assertj.core.api.Assertions.assertThat;

/** Native histogram aggregates: in the protobuf format as native histograms, in the text formats as count and sum. */
class NativeHistogramExpositionTest {
    /** Scale 0, zero bucket 1; positive (OpenTelemetry indexes) 0: (1,2] x3, 2: (4,8] x2; negative 0: [-2,-1) x1. */
    static Fixture fixture() {
        NativeHistogramValue h = NativeHistogramValue.newBuilder().setScale(0).setZeroThreshold(0.001).setZeroCount(1)
                .setPositiveOffset(0).setPositiveCounts(List.of(3L, 0L, 2L)).setNegativeOffset(0).setNegativeCounts(List.of(1L))
                .setSum(16.5).setCount(7).build();
        return new Fixture().put(aggregate("latency_seconds", MetricType.HISTOGRAM, "job", "api").setHelp("Latency")
                .setNativeHistogram(h).build());
    }

    @Test
    void theProtobufFormatCarriesTheNativeBucketsWithPrometheusIndexes() {
        Fixture f = fixture();
        String debug = ContentNegotiation.PROTOBUF.toDebugString(f.scraper.scrape(NameParameterFilter.of(List.of())),
                EscapingScheme.UNDERSCORE_ESCAPING);
        String compact = debug.replaceAll("\\s+", " ");
        assertThat(compact).contains("name: \"latency_seconds\"").contains("type: HISTOGRAM")
                .contains("sample_count: 7").contains("sample_sum: 16.5").contains("schema: 0")
                .contains("zero_threshold: 0.001").contains("zero_count: 1")
                // Prometheus index = OpenTelemetry index + 1: positive buckets 1 and 3 (the writer fills the one-bucket gap
                // with an empty bucket: one span, counts 3, 0, 2 as deltas)
                .contains("positive_span { offset: 1 length: 3 } positive_delta: 3 positive_delta: -3 positive_delta: 2")
                .contains("negative_span { offset: 1 length: 1 } negative_delta: 1");
    }

    @Test
    void textFormatsShowCountAndSumWithTheInfBucketOnly() {
        String text = fixture().text(ContentNegotiation.TEXT);
        assertThat(text).contains("latency_seconds_count{job=\"api\"} 7").contains("latency_seconds_sum{job=\"api\"} 16.5")
                .contains("latency_seconds_bucket{job=\"api\",le=\"+Inf\"} 7");
        assertThat(text.lines().filter(l -> l.contains("_bucket"))).hasSize(1);
        String om = fixture().text(ContentNegotiation.OPEN_METRICS);
        assertThat(om).contains("latency_seconds_count{job=\"api\"} 7");
    }

    @Test
    void prometheusWithNativeHistogramsEnabledGetsProtobuf() {
        assertThat(ContentNegotiation.writerFor("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,"
                + "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"))
                .isSameAs(ContentNegotiation.PROTOBUF);
        assertThat(ContentNegotiation.writerFor("application/vnd.google.protobuf;proto=other.Message;encoding=delimited,text/plain;q=0.1"))
                .isSameAs(ContentNegotiation.TEXT);
        assertThat(ContentNegotiation.writerFor("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text,text/plain;q=0.1"))
                .isSameAs(ContentNegotiation.TEXT);
        assertThat(ContentNegotiation.PROTOBUF.isAvailable()).isTrue();
    }
}
