package dev.mayfly.gateway.internal;

import dev.mayfly.schemas.validation.NativeHistogramRules;
import dev.mayfly.schemas.validation.Violation;

import dev.mayfly.schemas.avro.NativeHistogramValue;
import dev.mayfly.schemas.avro.Temporality;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Turns an OTLP metrics export request into the points of one batch and its source.
 *
 * <p>Resource rule: {@code service.name} (prefixed by {@code service.namespace/} when set; {@code unknown_service} when
 * missing) is the job, {@code faas.name} the function, {@code cloud.region} the region, {@code service.instance.id}
 * (else {@code faas.instance}) the instance (never a label). Resource attributes named in the promote list become
 * point labels; the others are dropped. Every resource of one request must give the same job, function and region.
 * Metric and label names have every character outside {@code [a-zA-Z0-9_:]} replaced by {@code _}.
 *
 * <p>Data: monotonic Sum is a counter, non-monotonic Sum a gauge (cumulative: its level; delta: changes summed), Gauge
 * a gauge, explicit-bucket Histogram a histogram, ExponentialHistogram a native histogram (scale, zero bucket and
 * offset + bucket counts per side as sent), each delta or cumulative as the point says. Summaries are refused. A
 * cumulative point's stream is the identity of its resource, scope and attributes; its start time is
 * {@code start_time_unix_nano}. Points flagged "no recorded value" are skipped. A metric that cannot be taken (a
 * summary, a histogram without a sum...) is left out whole, the others taken. Not thread-safe.
 */
public final class OtlpTranslator {
    /** The source all the request's resources share. */
    public record Source(String job, String function, String region, String instance) {
    }

    private final List<String> promotedResourceAttributes;
    private final PointsBuilder out;
    private final LeftOut leftOut;
    private Source source;

    /** {@code leftOut}: where a metric that cannot be taken goes, with the rest taken (null: it refuses the request). */
    public OtlpTranslator(List<String> promotedResourceAttributes, PointsBuilder out, LeftOut leftOut) {
        this.promotedResourceAttributes = promotedResourceAttributes;
        this.out = out;
        this.leftOut = leftOut;
    }

    public Source source() {
        return source;
    }

    public void translate(ExportMetricsServiceRequest request) {
        for (ResourceMetrics rm : request.getResourceMetricsList()) {
            Resource resource = rm.getResource();
            Map<String, String> resourceAttributes = attributes(resource.getAttributesList());
            useSource(sourceOf(resourceAttributes));
            Map<String, String> promoted = new HashMap<>();
            for (String name : promotedResourceAttributes) {
                String value = resourceAttributes.get(name);
                if (value != null) {
                    promoted.put(Names.sanitize(name, false), value);
                }
            }
            String resourceIdentity = new TreeMap<>(resourceAttributes).toString();
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                InstrumentationScope scope = sm.getScope();
                String scopeIdentity = resourceIdentity + "|" + scope.getName() + "|" + scope.getVersion();
                for (Metric metric : sm.getMetricsList()) {
                    int mark = out.size();
                    try {
                        metric(metric, scopeIdentity, promoted);
                        if (leftOut != null) {
                            leftOut.sent(metric.getName(), mark, out.size());
                        }
                    } catch (PushRejected e) {
                        if (leftOut == null || e.status() != 400) {
                            throw e; // too many series refuses the request as a whole
                        }
                        out.dropFrom(mark);
                        leftOut.add(metric.getName(), dataPoints(metric), e);
                    }
                }
            }
        }
        if (source == null) {
            source = new Source("unknown_service", null, null, null);
        }
    }

    /** The data points of {@code m} that carry a value (those flagged "no recorded value" are skipped anyway). */
    private static int dataPoints(Metric m) {
        return (int) switch (m.getDataCase()) {
            case SUM -> m.getSum().getDataPointsList().stream().filter(p -> !noValue(p.getFlags())).count();
            case GAUGE -> m.getGauge().getDataPointsList().stream().filter(p -> !noValue(p.getFlags())).count();
            case HISTOGRAM -> m.getHistogram().getDataPointsList().stream().filter(p -> !noValue(p.getFlags())).count();
            case EXPONENTIAL_HISTOGRAM -> m.getExponentialHistogram().getDataPointsList().stream().filter(p -> !noValue(p.getFlags())).count();
            case SUMMARY -> m.getSummary().getDataPointsList().stream().filter(p -> !noValue(p.getFlags())).count();
            default -> 0L;
        };
    }

    private void useSource(Source s) {
        if (source == null) {
            source = s;
            return;
        }
        if (!source.job().equals(s.job()) || !Objects.equals(source.function(), s.function()) || !Objects.equals(source.region(), s.region())) {
            throw PushRejected.badRequest(PushRejected.MALFORMED, "one request must carry one service: resources name jobs "
                    + source.job() + " and " + s.job() + " (or differ in faas.name / cloud.region)");
        }
        if (!Objects.equals(source.instance(), s.instance())) {
            source = new Source(source.job(), source.function(), source.region(), null);
        }
    }

    static Source sourceOf(Map<String, String> resource) {
        String name = resource.getOrDefault("service.name", "unknown_service");
        String namespace = resource.get("service.namespace");
        String job = namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
        String instance = resource.getOrDefault("service.instance.id", resource.get("faas.instance"));
        return new Source(job, resource.get("faas.name"), resource.get("cloud.region"), instance);
    }

    private void metric(Metric m, String scopeIdentity, Map<String, String> promoted) {
        if (m.getName().isEmpty()) {
            throw PushRejected.malformed("a metric has an empty name");
        }
        String name = Names.sanitize(m.getName(), true);
        String help = m.getDescription();
        String unit = m.getUnit();
        switch (m.getDataCase()) {
            case SUM -> {
                Temporality t = temporality(m.getSum().getAggregationTemporality(), m.getName());
                boolean monotonic = m.getSum().getIsMonotonic();
                for (NumberDataPoint p : m.getSum().getDataPointsList()) {
                    if (noValue(p.getFlags())) {
                        continue;
                    }
                    Map<String, String> labels = labels(p.getAttributesList(), promoted);
                    double v = value(p, m.getName());
                    if (monotonic) {
                        out.counter(name, help, unit, labels, v, t, streamId(scopeIdentity, p.getAttributesList(), t),
                                startMillis(p.getStartTimeUnixNano(), t));
                    } else if (t == Temporality.CUMULATIVE) {
                        out.gauge(name, help, unit, labels, v);
                    } else {
                        out.summedGaugeDelta(name, help, unit, labels, v);
                    }
                }
            }
            case GAUGE -> {
                for (NumberDataPoint p : m.getGauge().getDataPointsList()) {
                    if (!noValue(p.getFlags())) {
                        out.gauge(name, help, unit, labels(p.getAttributesList(), promoted), value(p, m.getName()));
                    }
                }
            }
            case HISTOGRAM -> {
                Temporality t = temporality(m.getHistogram().getAggregationTemporality(), m.getName());
                for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
                    if (!noValue(p.getFlags())) {
                        histogram(name, help, unit, p, t, scopeIdentity, promoted);
                    }
                }
            }
            case EXPONENTIAL_HISTOGRAM -> {
                Temporality t = temporality(m.getExponentialHistogram().getAggregationTemporality(), m.getName());
                for (ExponentialHistogramDataPoint p : m.getExponentialHistogram().getDataPointsList()) {
                    if (!noValue(p.getFlags())) {
                        if (!p.hasSum() && p.getCount() > 0) {
                            throw PushRejected.malformed("exponential histogram " + name + " has no sum; Mayfly histograms need one");
                        }
                        out.nativeHistogram(name, help, unit, labels(p.getAttributesList(), promoted), nativeValue(name, p), t,
                                streamId(scopeIdentity, p.getAttributesList(), t), startMillis(p.getStartTimeUnixNano(), t));
                    }
                }
            }
            case SUMMARY -> throw PrometheusFamilies.summary(m.getName());
            default -> throw PushRejected.malformed("metric " + m.getName() + " has no data");
        }
    }

    private void histogram(String name, String help, String unit, HistogramDataPoint p, Temporality t, String scopeIdentity,
                           Map<String, String> promoted) {
        // the shape (finite increasing bounds, one more count than bounds, counts adding up) is the validator's
        int nBounds = p.getExplicitBoundsCount();
        List<Double> bounds = new ArrayList<>(p.getExplicitBoundsList());
        List<Long> counts = new ArrayList<>(nBounds + 1);
        if (p.getBucketCountsCount() == 0 && nBounds == 0) {
            counts.add(p.getCount());
        } else {
            counts.addAll(p.getBucketCountsList());
        }
        if (!p.hasSum() && p.getCount() > 0) {
            throw PushRejected.malformed("histogram " + name + " has no sum; Mayfly histograms need one");
        }
        out.histogram(name, help, unit, labels(p.getAttributesList(), promoted), bounds, counts, p.getSum(), p.getCount(), t,
                streamId(scopeIdentity, p.getAttributesList(), t), startMillis(p.getStartTimeUnixNano(), t));
    }

    /** Prometheus' finest scale; OpenTelemetry SDKs go up to 20. */
    private static final int MAX_SCALE = NativeHistogramRules.MAX_SCALE;
    /** OpenTelemetry's finest scale: a finer one is not an exponential histogram any SDK writes. */
    private static final int OTLP_MAX_SCALE = 20;

    /**
     * OTLP's buckets are Mayfly's dense runs (same indexes); a scale above Prometheus' 8 is lowered to 8 exactly
     * (bucket i goes to i >> (scale - 8)). The rest of the shape (scale range, counts adding up) is the validator's.
     */
    private static NativeHistogramValue nativeValue(String name, ExponentialHistogramDataPoint p) {
        if (p.getScale() > OTLP_MAX_SCALE) {
            throw PushRejected.of(new Violation("invalid_native_histogram", "exponential histogram '" + name + "' has scale "
                    + p.getScale() + "; OpenTelemetry's scales go up to " + OTLP_MAX_SCALE));
        }
        // lowered to Prometheus' finest; a scale below its range stays as it is (the validator refuses it)
        int by = p.getScale() > MAX_SCALE ? p.getScale() - MAX_SCALE : 0;
        List<Long> positive = downscaled(p.getPositive().getOffset(), p.getPositive().getBucketCountsList(), by);
        List<Long> negative = downscaled(p.getNegative().getOffset(), p.getNegative().getBucketCountsList(), by);
        return new NativeHistogramValue(p.getScale() - by, p.getZeroThreshold(), p.getZeroCount(),
                p.getPositive().getOffset() >> by, positive, p.getNegative().getOffset() >> by, negative, p.getSum(), p.getCount());
    }

    private static List<Long> downscaled(int offset, List<Long> counts, int by) {
        if (by == 0 || counts.isEmpty()) {
            return new ArrayList<>(counts);
        }
        int first = offset >> by;
        long[] out = new long[(int) ((((long) offset + counts.size() - 1) >> by) - first + 1)];
        for (int k = 0; k < counts.size(); k++) {
            out[(int) ((((long) offset + k) >> by) - first)] += counts.get(k);
        }
        List<Long> list = new ArrayList<>(out.length);
        for (long c : out) {
            list.add(c);
        }
        return list;
    }

    private static boolean noValue(int flags) {
        return (flags & 1) != 0; // DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK
    }

    private static double value(NumberDataPoint p, String metric) {
        return switch (p.getValueCase()) {
            case AS_DOUBLE -> p.getAsDouble();
            case AS_INT -> p.getAsInt();
            default -> throw PushRejected.malformed("metric " + metric + ": a data point has no value (neither asDouble nor asInt)");
        };
    }

    private static Temporality temporality(AggregationTemporality t, String metric) {
        return switch (t) {
            case AGGREGATION_TEMPORALITY_DELTA -> Temporality.DELTA;
            case AGGREGATION_TEMPORALITY_CUMULATIVE -> Temporality.CUMULATIVE;
            default -> throw PushRejected.malformed("metric " + metric + " has no aggregation temporality");
        };
    }

    private static Long startMillis(long startNanos, Temporality t) {
        return t == Temporality.CUMULATIVE && startNanos > 0 ? startNanos / 1_000_000 : null;
    }

    private static String streamId(String scopeIdentity, List<KeyValue> attributes, Temporality t) {
        if (t != Temporality.CUMULATIVE) {
            return null;
        }
        String identity = scopeIdentity + "|" + new TreeMap<>(attributes(attributes));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            return "otlp:" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> labels(List<KeyValue> attributes, Map<String, String> promoted) {
        Map<String, String> labels = new HashMap<>(promoted);
        TreeMap<String, String> sorted = new TreeMap<>(attributes(attributes));
        for (Map.Entry<String, String> a : sorted.entrySet()) {
            // two attributes that sanitize to one label name: values joined with ';' in attribute-name order
            labels.merge(Names.sanitize(a.getKey(), false), a.getValue(), (x, y) -> x + ";" + y);
        }
        return labels;
    }

    private static Map<String, String> attributes(List<KeyValue> kvs) {
        Map<String, String> m = new HashMap<>(kvs.size() * 2);
        for (KeyValue kv : kvs) {
            m.put(kv.getKey(), text(kv.getValue()));
        }
        return m;
    }

    private static String text(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            case INT_VALUE -> Long.toString(v.getIntValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            case BYTES_VALUE -> java.util.Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray());
            case ARRAY_VALUE -> {
                List<String> items = new ArrayList<>();
                v.getArrayValue().getValuesList().forEach(x -> items.add(text(x)));
                yield items.toString();
            }
            case KVLIST_VALUE -> new TreeMap<>(attributes(v.getKvlistValue().getValuesList())).toString();
            default -> "";
        };
    }
}
