package dev.mayfly.gateway.internal;

import dev.mayfly.gateway.ServedTypes;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A push is refused when a family already served claims one of the names its metrics would be served under. */
class ServedFamilyConflictsTest {
    private final Map<String, MetricType> served = new HashMap<>();
    private final ServedTypes view = served::get;

    @Test
    void aNameServedAsAnotherTypeIsRefusedNamingBothTypes() {
        served.put("latency", MetricType.COUNTER); // a counter latency_total, stored without _total
        assertThatThrownBy(() -> ServedFamilyConflicts.refuse(view, push("# TYPE latency gauge\nlatency{route=\"b\"} 0.3\n")))
                .isInstanceOfSatisfying(PushRejected.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.reason()).isEqualTo(PushRejected.TYPE_CONFLICT);
                    assertThat(e.getMessage()).isEqualTo("metric latency is pushed as a gauge but latency is served as a counter"
                            + " (from other pushes); a metric name has one type across every push: push it as a counter or under another name");
                });
        assertThatCode(() -> ServedFamilyConflicts.refuse(view, push("# TYPE latency_total counter\nlatency_total{route=\"c\"} 1\n")))
                .as("the same type, with or without _total").doesNotThrowAnyException();
        assertThatCode(() -> ServedFamilyConflicts.refuse(view, push("# TYPE latency counter\nlatency{route=\"c\"} 1\n")))
                .doesNotThrowAnyException();
    }

    @Test
    void aNameAmongTheSamplesOfAServedFamilyIsRefused() {
        served.put("orders", MetricType.COUNTER);
        served.put("rpc_seconds", MetricType.HISTOGRAM);
        served.put("queue_total", MetricType.GAUGE);
        assertThatThrownBy(() -> ServedFamilyConflicts.refuse(view, push("# TYPE orders_created gauge\norders_created 1\n")))
                .hasMessage("metric orders_created (gauge) would be served under the name orders_created, which the counter"
                        + " orders already serves (from other pushes); push it under another name");
        assertThatThrownBy(() -> ServedFamilyConflicts.refuse(view, push("# TYPE rpc_seconds_count gauge\nrpc_seconds_count 1\n")))
                .hasMessageContaining("which the histogram rpc_seconds already serves");
        assertThatThrownBy(() -> ServedFamilyConflicts.refuse(view, push("# TYPE queue counter\nqueue 1\n")))
                .as("a counter queue would be served as queue_total, a served gauge")
                .hasMessageContaining("would be served under the name queue_total, which the gauge queue_total already serves");
        assertThatCode(() -> ServedFamilyConflicts.refuse(view, push("# TYPE rpc_seconds histogram\nrpc_seconds_bucket{le=\"+Inf\"} 1\n"
                + "rpc_seconds_sum 0.5\nrpc_seconds_count 1\n# TYPE orders_total counter\norders_total 2\n# TYPE other gauge\nother 1\n")))
                .as("the served families themselves, and names nobody claims").doesNotThrowAnyException();
    }

    @Test
    void aViewThatKnowsNothingRefusesNothing() {
        assertThatCode(() -> ServedFamilyConflicts.refuse(ServedTypes.NONE, push("# TYPE a gauge\na 1\n# TYPE a_created gauge\na_created 1\n")))
                .doesNotThrowAnyException();
    }

    private static MetricEventBatch push(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return PushParseBenchmark.batch("/metrics/job/checkout", "text/plain; version=0.0.4", bytes, bytes.length, 1000);
    }
}
