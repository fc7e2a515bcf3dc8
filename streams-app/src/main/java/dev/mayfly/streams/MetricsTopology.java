package dev.mayfly.streams;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.streams.internal.AggregateProcessor;
import dev.mayfly.streams.internal.AggregateSerde;
import dev.mayfly.streams.internal.CommitHook;
import dev.mayfly.streams.internal.IngestProcessor;
import dev.mayfly.streams.internal.PipelineOptions;
import dev.mayfly.streams.internal.Routed;
import dev.mayfly.streams.internal.SeriesUpdatePartitioner;
import dev.mayfly.streams.internal.SeriesUpdates;
import dev.mayfly.streams.internal.Update;
import dev.mayfly.streams.internal.UpdateSerde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

import java.util.Map;

/**
 * The Mayfly pipeline, top to bottom. Every processor, store and internal topic is named here, so names never
 * shift when the topology changes (store changelogs are {@code <application.id>-<store>-changelog}, the
 * repartition topic is {@code <application.id>-series-updates-repartition}).
 *
 * <pre>
 * events --ingest--> series-updates (repartition by series key; group deletes to every partition) --aggregate--> aggregates
 *           |  \--> aggregates (ingest pipeline counters)                                            |
 *           \-----> dead-letter  <-------------------------------------------------------------------/
 * </pre>
 */
public final class MetricsTopology {
    private MetricsTopology() {
    }

    public static Topology build(StreamsAppConfig config) {
        PipelineOptions options = config.pipelineOptions();
        AvroCodec<MetricEventBatch> eventsCodec = config.eventsCodec();
        AggregateSerde aggregateSerde = new AggregateSerde(config.aggregatesCodec());
        StreamsBuilder builder = new StreamsBuilder();
        SeriesUpdatePartitioner seriesPartitioner = new SeriesUpdatePartitioner();

        // The ingest step holds contributions merged across batches until its task commits; this store (no changelog,
        // no contents) forwards them before each commit; its action writes no cached store (see CommitHook).
        builder.addStateStore(CommitHook.builder(IngestProcessor.COMMIT_HOOK_STORE));
        // Stores of the ingest step: event ids seen within the dedup horizon (a window store, so old ids expire
        // segment by segment), and the ingest pipeline counters.
        // The event-id store is NOT cached: every id is written once, so a cache saves no write, and each cached
        // entry keeps the whole raw event batch it came from (Kafka Streams keeps the source record's raw bytes in
        // the entry's record context and does not count them against statestore.cache.max.bytes): hundreds of
        // thousands of ids fit in the cache's byte budget, pinning as many batches (250 KB each at 1000 points).
        builder.addStateStore(Stores.windowStoreBuilder(
                        Stores.persistentWindowStore(IngestProcessor.DEDUP_STORE, options.dedupHorizon(), options.dedupHorizon(), false),
                        Serdes.String(), Serdes.ByteArray())
                .withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(IngestProcessor.METRICS_STORE), Serdes.String(), Serdes.ByteArray()).withCachingEnabled());
        // Stores of the aggregate step: series aggregates, cumulative streams, open windows, and the aggregate
        // pipeline counters; hot series are written once per commit. The series store has no record cache: the
        // aggregate step holds the series it touched in a hash map and writes its changes back before each commit,
        // through its own commit hook, which also publishes the changed series (it writes no cached store). Changes not yet
        // published are kept in memory: a task republishes every series when it starts.
        builder.addStateStore(CommitHook.builder(AggregateProcessor.COMMIT_HOOK_STORE));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(AggregateProcessor.SERIES_STORE), Serdes.String(), Serdes.ByteArray()).withCachingDisabled());
        for (String store : new String[]{AggregateProcessor.CUMULATIVE_STORE, AggregateProcessor.METRICS_STORE}) {
            builder.addStateStore(Stores.keyValueStoreBuilder(
                    Stores.persistentKeyValueStore(store), Serdes.String(), Serdes.ByteArray()).withCachingEnabled());
        }
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(AggregateProcessor.WINDOWS_STORE), Serdes.Bytes(), Serdes.ByteArray()).withCachingEnabled());
        // Group deletes applied by the aggregate step while copies from other events partitions are still to come.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(AggregateProcessor.GROUP_DELETES_STORE), Serdes.String(), Serdes.ByteArray()).withCachingDisabled());

        // 1. Read the raw events topic as bytes: decoding happens in the ingest step so bad bytes become dead letters.
        KStream<byte[], byte[]> events = builder.stream(config.eventsTopic(),
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("read-events"));

        // 2-5. Decode, validate, deduplicate, guard event time, name series, merge each batch per series, and merge
        //      batches per series until the commit.
        Map<String, KStream<String, Routed>> ingested = events
                .process(() -> new IngestProcessor(options, eventsCodec, seriesPartitioner), Named.as("ingest"),
                        IngestProcessor.COMMIT_HOOK_STORE, IngestProcessor.DEDUP_STORE, IngestProcessor.METRICS_STORE)
                .split(Named.as("ingest-"))
                .branch((key, value) -> value instanceof Update || value instanceof SeriesUpdates, Branched.as("updates"))
                .branch((key, value) -> value instanceof Routed.DeadLetter, Branched.as("dead-letters"))
                .defaultBranch(Branched.as("counters"));

        // Rejected events and points go to the dead-letter topic, with the source key and the reason headers.
        writeDeadLetters(ingested.get("ingest-dead-letters"), config.deadLetterTopic(), "ingest");
        // The ingest step's pipeline counters go to the aggregates topic.
        writeAggregates(ingested.get("ingest-counters"), config.aggregatesTopic(), aggregateSerde, "ingest");

        // 6. Repartition by series key (contributions packed per partition, group deletes broadcast to every partition), then aggregate,
        //    window, limit, expire and delete; publish changes.
        Map<String, KStream<String, Routed>> aggregated = ingested.get("ingest-updates")
                .repartition(Repartitioned.with(Serdes.String(), new UpdateSerde())
                        .withName("series-updates")
                        .withStreamPartitioner(seriesPartitioner))
                .process(() -> new AggregateProcessor(options, eventsCodec), Named.as("aggregate"),
                        AggregateProcessor.COMMIT_HOOK_STORE, AggregateProcessor.SERIES_STORE, AggregateProcessor.CUMULATIVE_STORE, AggregateProcessor.WINDOWS_STORE,
                        AggregateProcessor.METRICS_STORE, AggregateProcessor.GROUP_DELETES_STORE)
                .split(Named.as("aggregate-"))
                .branch((key, value) -> value instanceof Routed.DeadLetter, Branched.as("dead-letters"))
                .defaultBranch(Branched.as("aggregates"));

        // 7-9. Aggregates, tombstones and pipeline counters go to the compacted aggregates topic; rejected
        //      contributions (bounds mismatch, cardinality limit) to the dead-letter topic.
        writeAggregates(aggregated.get("aggregate-aggregates"), config.aggregatesTopic(), aggregateSerde, "aggregate");
        writeDeadLetters(aggregated.get("aggregate-dead-letters"), config.deadLetterTopic(), "aggregate");
        return builder.build();
    }

    private static void writeDeadLetters(KStream<String, Routed> deadLetters, String topic, String step) {
        deadLetters
                .map((key, value) -> {
                    Routed.DeadLetter d = (Routed.DeadLetter) value;
                    return KeyValue.pair(d.key(), d.value());
                }, Named.as(step + "-dead-letter-bytes"))
                .to(topic, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(step + "-write-dead-letters"));
    }

    private static void writeAggregates(KStream<String, Routed> aggregates, String topic, AggregateSerde serde, String step) {
        aggregates
                .mapValues(value -> ((Routed.Publish) value).aggregate(), Named.as(step + "-aggregate-values"))
                .to(topic, Produced.with(Serdes.String(), serde).withName(step + "-write-aggregates"));
    }

}
