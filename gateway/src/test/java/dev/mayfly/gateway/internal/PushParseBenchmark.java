package dev.mayfly.gateway.internal;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;
import dev.mayfly.schemas.validation.MetricValidator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * CPU per push of the Pushgateway API's text path, without HTTP and Kafka: what {@link PushgatewayHandler} does
 * between reading the request and handing the batch to the sink, for exactly the body of {@code gateway/bench/push.lua}
 * (12 samples) pushed to its 1,000 groups in turn. The random event id ({@code UUID.randomUUID()}) is left out: it
 * must stay as it is.
 *
 * <p>Not a test. Run {@code gateway/bench/parse-bench.sh} (JMH options may follow, e.g. {@code -prof gc}), which does
 * (one fork, 3 warm-up and 5 measured iterations of 2 s; on shared cores the numbers are noisy):
 * <pre>
 * mvn -B -q -o -pl gateway test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench/classpath.txt
 * cd gateway &amp;&amp; java -cp target/test-classes:target/classes:$(cat target/bench/classpath.txt) org.openjdk.jmh.Main -f 1 -wi 3 -i 5 PushParseBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class PushParseBenchmark {
    /** The body of gateway/bench/push.lua, byte for byte (PushParseBenchmarkTest checks). */
    static final String BODY = """
            # HELP bench_requests_total Requests handled.
            # TYPE bench_requests_total counter
            bench_requests_total{code="200",method="get"} 1027
            bench_requests_total{code="200",method="post"} 311
            bench_requests_total{code="500",method="get"} 3
            # HELP bench_memory_bytes Memory in use.
            # TYPE bench_memory_bytes gauge
            bench_memory_bytes{area="heap"} 1.2345e+07
            bench_memory_bytes{area="nonheap"} 4.567e+06
            # HELP bench_duration_seconds Handling time.
            # TYPE bench_duration_seconds histogram
            bench_duration_seconds_bucket{le="0.01"} 120
            bench_duration_seconds_bucket{le="0.1"} 980
            bench_duration_seconds_bucket{le="1"} 1330
            bench_duration_seconds_bucket{le="+Inf"} 1341
            bench_duration_seconds_sum 61.25
            bench_duration_seconds_count 1341
            bench_cold_start 0
            """;
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    static final int GROUPS = 1000;
    private static final Temporality DEFAULT_TEMPORALITY = Temporality.DELTA; // push.default.temporality's default
    private static final int MAX_SERIES = 10_000;
    private static final MetricValidator VALIDATOR = MetricValidator.withDefaults(); // max.labels, max.label.value.length defaults

    private byte[] body;
    private String[] paths;
    private int next;

    @Setup
    public void setup() {
        body = BODY.getBytes(StandardCharsets.UTF_8);
        paths = new String[GROUPS];
        for (int i = 0; i < GROUPS; i++) {
            paths[i] = "/metrics/job/bench/instance/i" + i;
        }
        batch = batch(paths[0], CONTENT_TYPE, body, body.length, MAX_SERIES);
    }

    /** One whole push: media type, grouping key, parse, points, batch (as PushgatewayHandler.read, event id aside). */
    @Benchmark
    public MetricEventBatch push() {
        String path = paths[next];
        next = next + 1 == GROUPS ? 0 : next + 1;
        return batch(path, CONTENT_TYPE, body, body.length, MAX_SERIES);
    }

    /**
     * The check of a push's families against each other and against what a standalone serves
     * ({@link ServedFamilyConflicts}): the exporter's view holds the push's own families, as after the first push.
     */
    @Benchmark
    public MetricEventBatch servedFamilyConflicts() {
        conflicts.refuse(batch);
        return batch;
    }

    /** The same, the view's version moving on every push: every family looked up as on a first push. */
    @Benchmark
    public MetricEventBatch servedFamilyConflictsUncached() {
        uncached.refuse(batch);
        return batch;
    }

    private static final Map<String, MetricType> SERVED = new java.util.concurrent.ConcurrentHashMap<>(Map.of(
            "bench_requests", MetricType.COUNTER, "bench_memory_bytes", MetricType.GAUGE,
            "bench_duration_seconds", MetricType.HISTOGRAM, "bench_cold_start", MetricType.GAUGE));
    private final ServedFamilyConflicts conflicts = new ServedFamilyConflicts(served(() -> 1));
    private final java.util.concurrent.atomic.AtomicLong versions = new java.util.concurrent.atomic.AtomicLong();
    private final ServedFamilyConflicts uncached = new ServedFamilyConflicts(served(versions::incrementAndGet));
    private MetricEventBatch batch;

    private static dev.mayfly.gateway.ServedTypes served(java.util.function.LongSupplier version) {
        return new dev.mayfly.gateway.ServedTypes() {
            @Override
            public MetricType servedType(String storedName) {
                return SERVED.get(storedName);
            }

            @Override
            public long version() {
                return version.getAsLong();
            }
        };
    }

    /** The text parser alone. */
    @Benchmark
    public PrometheusFamilies parse() {
        return TextFormatParser.parse(body, body.length);
    }

    /** The grouping key alone. */
    @Benchmark
    public GroupingKey groupingKey() {
        String path = paths[next];
        next = next + 1 == GROUPS ? 0 : next + 1;
        return GroupingKey.parse(path);
    }

    /** The steps of PushgatewayHandler.read, and the validation PushPipeline.handle applies, for a POST with neither a temporality header nor an Idempotency-Key. */
    static MetricEventBatch batch(String rawPath, String contentType, byte[] bytes, int length, int maxSeries) {
        GroupingKey key = GroupingKey.parse(rawPath);
        Temporality temporality = key.temporality() != null ? key.temporality() : DEFAULT_TEMPORALITY;
        String eventId = "bench-event";
        Map<String, String> grouping = key.labels();
        String instance = null;
        String streamId = null;
        if (temporality == Temporality.CUMULATIVE) {
            streamId = dev.mayfly.schemas.SeriesKey.of(key.job(), new java.util.TreeMap<>(grouping));
            instance = grouping.remove("instance");
        }
        boolean protobuf = PushgatewayHandler.isProtobuf(contentType);
        PrometheusFamilies families = protobuf ? ProtobufFormatParser.parse(bytes, length) : TextFormatParser.parse(bytes, length);
        PointsBuilder builder = new PointsBuilder(new PushOptions(temporality, streamId, key.aggregation(), maxSeries));
        families.addTo(builder);
        List<MetricPoint> points = builder.points();
        MetricEventBatch batch = new MetricEventBatch(eventId, new Source(key.job(), null, null, instance),
                Instant.ofEpochMilli(System.currentTimeMillis()), Operation.RECORD, grouping, points);
        PushPipeline.refuseInvalid(VALIDATOR, batch);
        return batch;
    }
}
