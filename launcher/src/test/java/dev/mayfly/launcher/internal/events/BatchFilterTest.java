package dev.mayfly.launcher.internal.events;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchFilterTest {
    private static final MetricEventBatch CHECKOUT = MetricEventBatch.newBuilder().setEventId("e1")
            .setSource(Source.newBuilder().setJob("checkout").setRegion("eu-west").build()).setEmitTime(Instant.EPOCH)
            .setGroupingLabels(Map.of("instance", "a1"))
            .setPoints(List.of(point("http_requests_total", Map.of("code", "200", "instance", "overridden")),
                    point("http_request_duration_seconds", Map.of("code", "500"))))
            .build();
    private static final MetricEventBatch DELETE = MetricEventBatch.newBuilder().setEventId("e2")
            .setSource(Source.newBuilder().setJob("checkout").build()).setEmitTime(Instant.EPOCH)
            .setOperation(Operation.DELETE_GROUP).setGroupingLabels(Map.of("instance", "a1")).setPoints(List.of()).build();

    private static MetricPoint point(String name, Map<String, String> labels) {
        return MetricPoint.newBuilder().setName(name).setType(MetricType.COUNTER).setLabels(labels).setValue(1).build();
    }

    private static boolean keeps(MetricEventBatch b, String job, String metric, String... labels) {
        return BatchFilter.of(job, metric, List.of(labels)).matches(b);
    }

    @Test
    void noFlagsKeepEverything() {
        assertThat(BatchFilter.of(null, null, List.of()).keepsAll()).isTrue();
        assertThat(BatchFilter.of(null, null, null).matches(CHECKOUT)).isTrue();
        assertThat(BatchFilter.of("checkout", null, List.of()).keepsAll()).isFalse();
    }

    @Test
    void jobIsExact() {
        assertThat(keeps(CHECKOUT, "checkout", null)).isTrue();
        assertThat(keeps(CHECKOUT, "check", null)).isFalse();
    }

    @Test
    void metricGlobMatchesWholeNamesOfAnyPoint() {
        assertThat(keeps(CHECKOUT, null, "http_requests_total")).isTrue();
        assertThat(keeps(CHECKOUT, null, "http_*_seconds")).isTrue();
        assertThat(keeps(CHECKOUT, null, "http_request?_total")).isTrue();
        assertThat(keeps(CHECKOUT, null, "http_requests")).isFalse();
        assertThat(keeps(CHECKOUT, null, "*.total")).isFalse();
        assertThat(keeps(CHECKOUT, null, "*")).isTrue();
    }

    @Test
    void labelsAreTheSeriesLabels() {
        assertThat(keeps(CHECKOUT, null, null, "code=500")).isTrue();
        assertThat(keeps(CHECKOUT, null, null, "job=checkout", "region=eu-west")).isTrue();
        assertThat(keeps(CHECKOUT, null, null, "instance=a1")).as("grouping labels override point labels").isTrue();
        assertThat(keeps(CHECKOUT, null, null, "instance=overridden")).isFalse();
        assertThat(keeps(CHECKOUT, null, null, "code=404")).isFalse();
        assertThat(keeps(CHECKOUT, null, null, "code=")).isFalse();
    }

    @Test
    void metricAndLabelsMustMatchTheSamePoint() {
        assertThat(keeps(CHECKOUT, null, "http_requests_total", "code=200")).isTrue();
        assertThat(keeps(CHECKOUT, null, "http_requests_total", "code=500")).isFalse();
    }

    @Test
    void aBatchWithoutPointsMatchesOnItsGroupingLabelsOnly() {
        assertThat(keeps(DELETE, null, null, "instance=a1", "job=checkout")).isTrue();
        assertThat(keeps(DELETE, null, null, "instance=b")).isFalse();
        assertThat(keeps(DELETE, null, "*")).isFalse();
    }

    @Test
    void aLabelWithoutNameAndValueIsRejected() {
        for (String bad : new String[]{"code", "=200"}) {
            assertThatThrownBy(() -> BatchFilter.of(null, null, List.of(bad))).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("--label '" + bad + "'");
        }
    }
}
