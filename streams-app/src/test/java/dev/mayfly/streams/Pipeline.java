package dev.mayfly.streams;

import dev.mayfly.schemas.MetricNames;

import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.MayflyCodecs;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/** Test fixture: the real topology in a TopologyTestDriver, with builders for batches and readers for outputs. */
final class Pipeline implements AutoCloseable {
    static final AvroCodec<MetricEventBatch> EVENTS = MayflyCodecs.events(null, Topics.EVENTS);
    static final AvroCodec<Aggregate> AGGREGATES = MayflyCodecs.aggregates(null, Topics.AGGREGATES);

    final TopologyTestDriver driver;
    private final TestInputTopic<String, byte[]> events;
    private final TestOutputTopic<String, byte[]> aggregates;
    private final TestOutputTopic<byte[], byte[]> deadLetters;
    private final Map<String, Aggregate> latest = new TreeMap<>();
    private final List<String> tombstones = new ArrayList<>();
    private final List<TestRecord<byte[], byte[]>> deadLetterRecords = new ArrayList<>();

    private Pipeline(Map<String, String> settings) {
        this(settings, Map.of());
    }

    private Pipeline(Map<String, String> settings, Map<Integer, Long> inputEnd) {
        Map<String, String> all = new HashMap<>();
        all.put("publish.interval", "0ms");
        try {
            all.put("state.dir", Files.createTempDirectory("mayfly-ttd").toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        all.putAll(settings);
        StreamsAppConfig config = StreamsAppConfig.from(all).withInputEnd(inputEnd);
        Properties props = config.streamsProperties();
        driver = new TopologyTestDriver(MetricsTopology.build(config), props, Instant.EPOCH);
        events = driver.createInputTopic(Topics.EVENTS, new StringSerializer(), new ByteArraySerializer());
        aggregates = driver.createOutputTopic(Topics.AGGREGATES, new StringDeserializer(), new ByteArrayDeserializer());
        deadLetters = driver.createOutputTopic(Topics.DEAD_LETTER, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static Pipeline start() {
        return new Pipeline(Map.of());
    }

    /** The topology as a replay runs it: events at or after {@code inputEnd}'s offset in their partition are skipped. */
    static Pipeline replayingUpTo(Map<Integer, Long> inputEnd) {
        return new Pipeline(Map.of(), inputEnd);
    }

    static Pipeline start(Map<String, String> settings) {
        return new Pipeline(settings);
    }

    static Pipeline withRules(String yaml, Map<String, String> settings) throws java.io.IOException {
        Path file = Files.createTempFile("rules", ".yaml");
        Files.writeString(file, yaml);
        Map<String, String> all = new HashMap<>(settings);
        all.put("rules.file", file.toString());
        return new Pipeline(all);
    }

    /** Sends a batch keyed by its event id with the given broker timestamp. */
    void send(MetricEventBatch batch, long timestamp) {
        events.pipeInput(batch.getEventId(), EVENTS.encode(batch), timestamp);
    }

    /** Sends a batch whose record timestamp is its emit time. */
    void send(MetricEventBatch batch) {
        send(batch, batch.getEmitTime().toEpochMilli());
    }

    /** Sends a batch keyed by its event id, with the given headers (name, value, name, value, ...). */
    void send(MetricEventBatch batch, long timestamp, String... headers) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        events.pipeInput(new TestRecord<>(batch.getEventId(), EVENTS.encode(batch), h, timestamp));
    }

    void sendBytes(String key, byte[] value, long timestamp) {
        events.pipeInput(key, value, timestamp);
    }

    /** Publishes the pipeline counters (advances the wall clock past the self-metrics interval). */
    void tick() {
        driver.advanceWallClockTime(Duration.ofSeconds(6));
    }

    /** The latest aggregate of every series, except the jobs' and groups' last push times (see {@link #allAggregates}). */
    Map<String, Aggregate> aggregates() {
        Map<String, Aggregate> out = new java.util.TreeMap<>(allAggregates());
        out.keySet().removeIf(k -> k.startsWith(MetricNames.JOB_LAST_PUSH + "{") || k.startsWith(MetricNames.GROUP_LAST_PUSH + "{"));
        return out;
    }

    /** The latest aggregate of every series. */
    Map<String, Aggregate> allAggregates() {
        for (TestRecord<String, byte[]> r : aggregates.readRecordsToList()) {
            if (r.value() == null) {
                latest.remove(r.key());
                tombstones.add(r.key());
            } else {
                latest.put(r.key(), AGGREGATES.decode(r.value()));
            }
        }
        return latest;
    }

    Aggregate aggregate(String key) {
        return allAggregates().get(key);
    }

    double value(String key) {
        Aggregate a = aggregate(key);
        if (a == null) {
            throw new AssertionError("no aggregate " + key + "; have " + latest.keySet());
        }
        return a.getValue();
    }

    List<String> tombstones() {
        allAggregates();
        return tombstones;
    }

    /** The value of a pipeline counter, after publishing them. */
    double counter(String key) {
        tick();
        Aggregate a = aggregate(key);
        return a == null ? 0 : a.getValue();
    }

    List<TestRecord<byte[], byte[]>> deadLetters() {
        deadLetterRecords.addAll(deadLetters.readRecordsToList());
        return deadLetterRecords;
    }

    static String header(TestRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    List<String> deadLetterReasons() {
        return deadLetters().stream().map(r -> header(r, Topics.HEADER_REASON)).toList();
    }

    @Override
    public void close() {
        driver.close();
    }

    // ---- builders ----

    static MetricEventBatch batch(String eventId, long emitTime, MetricPoint... points) {
        return MetricEventBatch.newBuilder()
                .setEventId(eventId)
                .setSource(Source.newBuilder().setJob("fn").build())
                .setEmitTime(Instant.ofEpochMilli(emitTime))
                .setPoints(List.of(points))
                .build();
    }

    static MetricEventBatch deleteGroup(String eventId, long emitTime, String job, Map<String, String> grouping) {
        return MetricEventBatch.newBuilder()
                .setEventId(eventId)
                .setSource(Source.newBuilder().setJob(job).build())
                .setEmitTime(Instant.ofEpochMilli(emitTime))
                .setOperation(Operation.DELETE_GROUP)
                .setGroupingLabels(grouping)
                .setPoints(List.of())
                .build();
    }

    static Map<String, String> labels(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static MetricPoint counter(String name, double delta, String... labels) {
        return MetricPoint.newBuilder().setName(name).setType(MetricType.COUNTER).setValue(delta).setLabels(labels(labels)).build();
    }

    static MetricPoint cumulative(String name, String streamId, Long startTime, double total, String... labels) {
        return MetricPoint.newBuilder().setName(name).setType(MetricType.COUNTER).setValue(total)
                .setTemporality(Temporality.CUMULATIVE).setStreamId(streamId)
                .setStartTime(startTime == null ? null : Instant.ofEpochMilli(startTime))
                .setLabels(labels(labels)).build();
    }

    static MetricPoint gauge(String name, double value, String... labels) {
        return MetricPoint.newBuilder().setName(name).setType(MetricType.GAUGE).setValue(value).setLabels(labels(labels)).build();
    }

    static MetricPoint gauge(String name, double value, Aggregation aggregation, String... labels) {
        return MetricPoint.newBuilder(gauge(name, value, labels)).setAggregation(aggregation).build();
    }

    static MetricPoint histogram(String name, double[] bounds, long[] counts, double sum, String... labels) {
        return MetricPoint.newBuilder().setName(name).setType(MetricType.HISTOGRAM).setLabels(labels(labels))
                .setHistogram(HistogramValue.newBuilder()
                        .setBounds(Arrays.stream(bounds).boxed().toList())
                        .setBucketCounts(Arrays.stream(counts).boxed().toList())
                        .setSum(sum)
                        .setCount(Arrays.stream(counts).sum())
                        .build())
                .build();
    }
}
