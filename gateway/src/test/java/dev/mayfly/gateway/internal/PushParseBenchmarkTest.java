package dev.mayfly.gateway.internal;

import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Temporality;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The parse benchmark measures what it claims: the push.lua body, and the batch the gateway makes of it. */
class PushParseBenchmarkTest {

    @Test
    void benchmarkBodyIsThePushLuaBody() throws Exception {
        String lua = Files.readString(Path.of("bench/push.lua"), StandardCharsets.UTF_8);
        int start = lua.indexOf("[[\n") + 3; // Lua drops the newline right after [[
        int end = lua.indexOf("]]", start);
        assertThat(PushParseBenchmark.BODY).isEqualTo(lua.substring(start, end));
    }

    @Test
    void benchmarkBuildsTheBatchOfThePush() {
        PushParseBenchmark bench = new PushParseBenchmark();
        bench.setup();
        MetricEventBatch batch = bench.push();
        assertThat(batch.getSource().getJob()).isEqualTo("bench");
        assertThat(batch.getGroupingLabels()).isEqualTo(Map.of("instance", "i0"));
        String requests = "Requests handled.";
        String memory = "Memory in use.";
        assertThat(batch.getPoints()).containsExactly(
                point("bench_requests_total", requests, MetricType.COUNTER, Map.of("code", "200", "method", "get"), 1027, null),
                point("bench_requests_total", requests, MetricType.COUNTER, Map.of("code", "200", "method", "post"), 311, null),
                point("bench_requests_total", requests, MetricType.COUNTER, Map.of("code", "500", "method", "get"), 3, null),
                point("bench_memory_bytes", memory, MetricType.GAUGE, Map.of("area", "heap"), 1.2345e7, null),
                point("bench_memory_bytes", memory, MetricType.GAUGE, Map.of("area", "nonheap"), 4.567e6, null),
                point("bench_duration_seconds", "Handling time.", MetricType.HISTOGRAM, Map.of(), 0.0,
                        new HistogramValue(List.of(0.01, 0.1, 1.0), List.of(120L, 860L, 350L, 11L), 61.25, 1341L)),
                point("bench_cold_start", null, MetricType.GAUGE, Map.of(), 0.0, null));
        assertThat(bench.push().getGroupingLabels()).isEqualTo(Map.of("instance", "i1"));
    }

    private static MetricPoint point(String name, String help, MetricType type, Map<String, String> labels, double value, HistogramValue h) {
        return new MetricPoint(name, help, null, type, labels, value, Temporality.DELTA, null, null, h, null, null);
    }
}
