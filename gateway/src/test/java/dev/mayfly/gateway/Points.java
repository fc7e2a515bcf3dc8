package dev.mayfly.gateway;

import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Temporality;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Expected points, written compactly. */
final class Points {
    private Points() {
    }

    static Map<String, String> labels(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static MetricPoint counter(String name, String help, Map<String, String> labels, double value) {
        return point(name, help, MetricType.COUNTER, labels, value, Temporality.DELTA, null, null, null, null);
    }

    static MetricPoint cumulativeCounter(String name, String help, Map<String, String> labels, double value, String stream, Instant start) {
        return point(name, help, MetricType.COUNTER, labels, value, Temporality.CUMULATIVE, stream, start, null, null);
    }

    static MetricPoint gauge(String name, String help, Map<String, String> labels, double value) {
        return point(name, help, MetricType.GAUGE, labels, value, Temporality.DELTA, null, null, null, null);
    }

    static MetricPoint histogram(String name, String help, Map<String, String> labels, List<Double> bounds, List<Long> counts,
                                 double sum, long count, Temporality t, String stream, Instant start) {
        return point(name, help, MetricType.HISTOGRAM, labels, 0.0, t, stream, start, new HistogramValue(bounds, counts, sum, count), null);
    }

    static MetricPoint point(String name, String help, MetricType type, Map<String, String> labels, double value, Temporality t,
                             String stream, Instant start, HistogramValue h, Aggregation aggregation) {
        return new MetricPoint(name, help, null, type, labels, value, t, stream, start, h, aggregation, null);
    }

    /** A RECORD batch of {@code points} from {@code job} (function "fn"), as the producer library writes one, in single-object encoding. */
    static byte[] eventBatch(String eventId, String job, List<MetricPoint> points) {
        return dev.mayfly.schemas.codec.MayflyCodecs.eventsSingleObject().encode(new dev.mayfly.schemas.avro.MetricEventBatch(eventId,
                new dev.mayfly.schemas.avro.Source(job, "fn", null, "container-1"), Instant.ofEpochMilli(1_000), dev.mayfly.schemas.avro.Operation.RECORD,
                Map.of(), points));
    }

    static MetricPoint withAggregation(MetricPoint p, Aggregation a) {
        MetricPoint copy = MetricPoint.newBuilder(p).build();
        copy.setAggregation(a);
        return copy;
    }

    static MetricPoint withUnit(MetricPoint p, String unit) {
        MetricPoint copy = MetricPoint.newBuilder(p).build();
        copy.setUnit(unit);
        return copy;
    }
}
