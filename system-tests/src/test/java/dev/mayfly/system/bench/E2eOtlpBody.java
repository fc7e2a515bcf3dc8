package dev.mayfly.system.bench;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * For bench/e2e.sh: writes one OTLP/HTTP protobuf body (an ExportMetricsServiceRequest as a function's SDK exporter
 * sends it with delta temporality) that wrk posts again and again to {@code /v1/metrics}. Twelve points: a counter of
 * pushes (1 per request, the value the benchmark checks on /metrics), 3 request counters, 2 byte counters, 2 gauges,
 * 1 up-down counter, a 4-bucket histogram, 2 more gauges. Arguments: output file, service name (the job).
 */
public final class E2eOtlpBody {
    /** What one request adds to the {@code e2e_otlp_pushes} counter. */
    static final int PUSHES_PER_REQUEST = 1;

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        String service = args.length > 1 ? args[1] : "e2e-otlp";
        long now = System.currentTimeMillis() * 1_000_000L;
        long start = now - 1_000_000_000L;
        Resource resource = Resource.newBuilder()
                .addAttributes(attr("service.name", service))
                .addAttributes(attr("service.instance.id", "2f1c7a1e-0d7b-4e3a-9b55-0c7d2f8e4a11"))
                .addAttributes(attr("faas.name", "checkout"))
                .addAttributes(attr("cloud.region", "eu-west-1"))
                .addAttributes(attr("telemetry.sdk.language", "java"))
                .build();
        List<Metric> metrics = List.of(
                sum("e2e_otlp_pushes", "Requests sent.", true, start, now, point(PUSHES_PER_REQUEST)),
                sum("e2e_otlp_requests", "Requests handled.", true, start, now,
                        point(7, "http.route", "/cart", "http.response.status_code", "200"),
                        point(2, "http.route", "/pay", "http.response.status_code", "200"),
                        point(1, "http.route", "/pay", "http.response.status_code", "500")),
                sum("e2e_otlp_io", "Bytes moved.", true, start, now,
                        point(5120, "direction", "in"), point(20480, "direction", "out")),
                gauge("e2e_otlp_memory", "Memory in use.", now,
                        point(1.2345e7, "area", "heap"), point(4.567e6, "area", "nonheap")),
                sum("e2e_otlp_inflight", "Requests in flight.", false, start, now, point(1)),
                histogram("e2e_otlp_duration", "Handling time.", start, now),
                gauge("e2e_otlp_cold_start", "1 on a cold start.", now, point(0)),
                gauge("e2e_otlp_queue_depth", "Items queued.", now, point(3)));
        ExportMetricsServiceRequest request = ExportMetricsServiceRequest.newBuilder()
                .addResourceMetrics(ResourceMetrics.newBuilder()
                        .setResource(resource)
                        .addScopeMetrics(ScopeMetrics.newBuilder()
                                .setScope(InstrumentationScope.newBuilder().setName("dev.mayfly.bench").setVersion("1.0"))
                                .addAllMetrics(metrics)))
                .build();
        Files.write(out, request.toByteArray());
        int points = 0;
        for (Metric m : metrics) {
            points += m.hasSum() ? m.getSum().getDataPointsCount() : m.hasGauge() ? m.getGauge().getDataPointsCount()
                    : m.getHistogram().getDataPointsCount();
        }
        System.out.println("wrote " + out + ": " + request.getSerializedSize() + " bytes, " + points + " points");
    }

    private static KeyValue attr(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static NumberDataPoint.Builder point(double value, String... labels) {
        NumberDataPoint.Builder p = NumberDataPoint.newBuilder();
        if (value == Math.rint(value)) {
            p.setAsInt((long) value);
        } else {
            p.setAsDouble(value);
        }
        for (int i = 0; i < labels.length; i += 2) {
            p.addAttributes(attr(labels[i], labels[i + 1]));
        }
        return p;
    }

    private static Metric sum(String name, String help, boolean monotonic, long start, long now, NumberDataPoint.Builder... points) {
        Sum.Builder sum = Sum.newBuilder().setIsMonotonic(monotonic)
                .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA);
        for (NumberDataPoint.Builder p : points) {
            sum.addDataPoints(p.setStartTimeUnixNano(start).setTimeUnixNano(now));
        }
        return Metric.newBuilder().setName(name).setDescription(help).setSum(sum).build();
    }

    private static Metric gauge(String name, String help, long now, NumberDataPoint.Builder... points) {
        Gauge.Builder gauge = Gauge.newBuilder();
        for (NumberDataPoint.Builder p : points) {
            gauge.addDataPoints(p.setTimeUnixNano(now));
        }
        return Metric.newBuilder().setName(name).setDescription(help).setGauge(gauge).build();
    }

    private static Metric histogram(String name, String help, long start, long now) {
        HistogramDataPoint point = HistogramDataPoint.newBuilder()
                .setStartTimeUnixNano(start).setTimeUnixNano(now)
                .addAllExplicitBounds(List.of(0.01, 0.1, 1.0))
                .addAllBucketCounts(List.of(4L, 5L, 1L, 0L))
                .setCount(10).setSum(1.75)
                .build();
        return Metric.newBuilder().setName(name).setDescription(help).setUnit("s")
                .setHistogram(Histogram.newBuilder()
                        .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA)
                        .addDataPoints(point))
                .build();
    }
}
