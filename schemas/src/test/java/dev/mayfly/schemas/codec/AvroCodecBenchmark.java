package dev.mayfly.schemas.codec;

import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;
import dev.mayfly.schemas.testing.Samples;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
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

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Cost of encoding the gateway bench's push (gateway/bench/push.lua) as the events topic's record: 3 counter series
 * with 2 labels each, 2 gauges, a 4-bucket histogram and an untyped sample, grouping labels job and instance, help
 * strings. {@code codecEncode} is {@link AvroCodec#encode} (single-object framing, whichever datum writer the codec
 * picks); {@code specificDatumWriter} and {@code handWrittenWriter} are Avro's SpecificDatumWriter and
 * {@link MetricEventBatchWriter} alone, into a reused buffered encoder; the {@code aggregate...} ones the same for
 * {@code Samples.aggregate()} (a histogram aggregate with two labels) and {@link AggregateWriter}.
 *
 * <p>Not a test. Run (2 forks, short; on shared cores the numbers are noisy):
 * <pre>
 * mvn -B -q -o -pl schemas test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-cp.txt
 * java -cp schemas/target/test-classes:schemas/target/classes:$(cat schemas/target/bench-cp.txt) org.openjdk.jmh.Main AvroCodecBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = "-Xmx512m")
@State(Scope.Thread)
public class AvroCodecBenchmark {
    private AvroCodec<MetricEventBatch> codec;
    private MetricEventBatch batch;
    private SpecificDatumWriter<MetricEventBatch> specific;
    private MetricEventBatchWriter handWritten;
    private Aggregate aggregate;
    private SpecificDatumWriter<Aggregate> specificAggregate;
    private AggregateWriter handWrittenAggregate;
    private ByteArrayOutputStream sink;
    private BinaryEncoder encoder;

    @Setup
    public void setUp() {
        codec = MayflyCodecs.events(null, "events");
        batch = gatewayBenchBatch("i42");
        specific = new SpecificDatumWriter<>(MetricEventBatch.getClassSchema(), SpecificData.getForSchema(MetricEventBatch.getClassSchema()));
        handWritten = new MetricEventBatchWriter();
        aggregate = Samples.aggregate();
        specificAggregate = new SpecificDatumWriter<>(Aggregate.getClassSchema(), SpecificData.getForSchema(Aggregate.getClassSchema()));
        handWrittenAggregate = new AggregateWriter();
        sink = new ByteArrayOutputStream(1024);
        encoder = EncoderFactory.get().binaryEncoder(sink, null);
        if (!codec.usesHandWrittenWriter()) {
            throw new IllegalStateException("the events codec does not use MetricEventBatchWriter");
        }
    }

    /** The batch the gateway makes of push.lua's body pushed to /metrics/job/bench/instance/{instance} (delta). */
    public static MetricEventBatch gatewayBenchBatch(String instance) {
        Map<String, String> grouping = new LinkedHashMap<>();
        grouping.put("job", "bench");
        grouping.put("instance", instance);
        List<MetricPoint> points = List.of(
                counter("200", "get", 1027), counter("200", "post", 311), counter("500", "get", 3),
                gauge("heap", 1.2345e+07), gauge("nonheap", 4.567e+06),
                new MetricPoint("bench_duration_seconds", "Handling time.", null, MetricType.HISTOGRAM, new LinkedHashMap<>(), 0.0,
                        Temporality.DELTA, null, null,
                        new HistogramValue(List.of(0.01, 0.1, 1.0), List.of(120L, 860L, 350L, 11L), 61.25, 1341L), null, null),
                new MetricPoint("bench_cold_start", null, null, MetricType.UNKNOWN, new LinkedHashMap<>(), 0.0,
                        Temporality.DELTA, null, null, null, null, null));
        return new MetricEventBatch("0f8e6c1a-5b7d-4e1f-9a2c-3d4b5e6f7a8b", new Source("bench", null, null, null),
                Instant.ofEpochMilli(1_790_000_000_123L), Operation.RECORD, grouping, points);
    }

    private static MetricPoint counter(String code, String method, double value) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("code", code);
        labels.put("method", method);
        return new MetricPoint("bench_requests_total", "Requests handled.", null, MetricType.COUNTER, labels, value,
                Temporality.DELTA, null, null, null, null, null);
    }

    private static MetricPoint gauge(String area, double value) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("area", area);
        return new MetricPoint("bench_memory_bytes", "Memory in use.", null, MetricType.GAUGE, labels, value,
                Temporality.DELTA, null, null, null, null, null);
    }

    @Benchmark
    public byte[] codecEncode() {
        return codec.encode(batch);
    }

    @Benchmark
    public int specificDatumWriter() throws IOException {
        sink.reset();
        specific.write(batch, encoder);
        encoder.flush();
        return sink.size();
    }

    @Benchmark
    public int handWrittenWriter() throws IOException {
        sink.reset();
        handWritten.write(batch, encoder);
        encoder.flush();
        return sink.size();
    }

    @Benchmark
    public int aggregateSpecificDatumWriter() throws IOException {
        sink.reset();
        specificAggregate.write(aggregate, encoder);
        encoder.flush();
        return sink.size();
    }

    @Benchmark
    public int aggregateHandWrittenWriter() throws IOException {
        sink.reset();
        handWrittenAggregate.write(aggregate, encoder);
        encoder.flush();
        return sink.size();
    }
}
