package dev.mayfly.micrometer.internal;

import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusNamingConvention;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The names are Micrometer's Prometheus registry's: checked against its own naming convention. */
class PrometheusNamesTest {
    private static final PrometheusNamingConvention PROMETHEUS = new PrometheusNamingConvention();
    private static final List<String> NAMES = List.of("orders.placed", "orders_placed", "orders.placed.total", "http.server.requests",
            "jvm.memory.used", "cache-hits", "queue depth", "1st.attempt", "latency.seconds", "requests.bucket.total", "a:b", "x",
            "_private", "payload.size.bytes", "élan.vital", "total", "api.requests_total", "work.duration.seconds");
    private static final List<String> UNITS = java.util.Arrays.asList(null, "bytes", "seconds", "requests", "milliseconds");

    @Test
    void metricNamesEqualPrometheusNamingConventionForEveryTypeAndUnit() {
        for (String name : NAMES) {
            for (Meter.Type type : Meter.Type.values()) {
                for (String unit : UNITS) {
                    assertThat(PrometheusNames.INSTANCE.name(name, type, unit)).as("%s %s %s", name, type, unit)
                            .isEqualTo(PROMETHEUS.name(name, type, unit));
                }
            }
        }
    }

    @Test
    void tagKeysEqualPrometheusNamingConvention() {
        for (String key : List.of("country", "payment.method", "http-status", "__secret", "_.x", "1st", "Uri", "a b")) {
            assertThat(PrometheusNames.INSTANCE.tagKey(key)).as(key).isEqualTo(PROMETHEUS.tagKey(key));
        }
    }

    @Test
    void examplesFromTheReadme() {
        assertThat(PrometheusNames.INSTANCE.name("orders.placed", Meter.Type.COUNTER, null)).isEqualTo("orders_placed");
        assertThat(PrometheusNames.exposedCounterName("orders_placed")).isEqualTo("orders_placed_total");
        assertThat(PrometheusNames.INSTANCE.name("checkout.latency", Meter.Type.TIMER, null)).isEqualTo("checkout_latency_seconds");
        assertThat(PrometheusNames.INSTANCE.name("payload.size", Meter.Type.DISTRIBUTION_SUMMARY, "bytes")).isEqualTo("payload_size_bytes");
    }
}
