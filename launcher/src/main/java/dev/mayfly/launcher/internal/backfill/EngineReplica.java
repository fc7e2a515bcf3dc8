package dev.mayfly.launcher.internal.backfill;

import dev.mayfly.exporter.internal.LabelPart;
import dev.mayfly.exporter.internal.RejectedAggregateException;
import dev.mayfly.exporter.internal.SeriesFactory;
import dev.mayfly.exporter.internal.SeriesStore;
import dev.mayfly.schemas.SeriesKey;
import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.streams.MetricsTopology;
import dev.mayfly.streams.StreamsAppConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

import java.time.Instant;

/**
 * The engine's own topology ({@link MetricsTopology}: decoding, validation, deduplication, rules, cumulative
 * streams, windows, limits, expiry, all in event and stream time) run in this process on the records given, with
 * its aggregates applied to an exporter {@link SeriesStore} exactly as the exporter applies the aggregates topic.
 * Records go through one task, in the order given; state lives in RocksDB under the configuration's state
 * directory, so memory follows the number of series, not of events. Publishes every change at once
 * ({@code publish.interval=0}); the wall clock never advances, so the engine's own pipeline counters are not produced.
 */
final class EngineReplica implements AutoCloseable {
    private final TopologyTestDriver driver;
    private final TestInputTopic<byte[], byte[]> events;
    private final TestOutputTopic<String, byte[]> aggregates;
    private final AvroCodec<Aggregate> codec;
    private final SeriesFactory factory = new SeriesFactory();
    private final SeriesStore store = new SeriesStore();
    private long unservable;

    EngineReplica(StreamsAppConfig config, AvroCodec<Aggregate> codec) {
        this.codec = codec;
        this.driver = new TopologyTestDriver(MetricsTopology.build(config), config.streamsProperties(), Instant.EPOCH);
        this.events = driver.createInputTopic(config.eventsTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        this.aggregates = driver.createOutputTopic(config.aggregatesTopic(), new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Processes one events record (its key, value, headers and timestamp) and applies what the engine published. */
    void process(ConsumerRecord<byte[], byte[]> record) {
        events.pipeInput(new TestRecord<>(record.key(), record.value(), record.headers(), record.timestamp()));
        while (!aggregates.isEmpty()) {
            TestRecord<String, byte[]> published = aggregates.readRecord();
            apply(published.key(), published.value());
        }
    }

    private void apply(String key, byte[] value) {
        String name = SeriesKey.metricName(key);
        if (value == null) {
            store.remove(name, LabelPart.of(key, name));
            return;
        }
        try {
            SeriesFactory.Accepted accepted = factory.accept(key, codec.decode(value));
            store.put(accepted.metricName(), accepted.labelPart(), accepted.series());
        } catch (RejectedAggregateException e) {
            unservable++; // the exporter would not serve it either
        }
    }

    /** The series as the exporter would serve them now. */
    SeriesStore series() {
        return store;
    }

    /** Aggregates the exporter would refuse to serve (and so are not written). */
    long unservable() {
        return unservable;
    }

    @Override
    public void close() {
        driver.close();
    }
}
