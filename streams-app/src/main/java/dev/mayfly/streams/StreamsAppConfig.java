package dev.mayfly.streams;

import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Setting;
import dev.mayfly.schemas.config.Settings;
import dev.mayfly.schemas.registry.SchemaRegistryClient;
import dev.mayfly.streams.internal.InstanceId;
import dev.mayfly.streams.internal.PipelineOptions;
import dev.mayfly.streams.internal.Rules;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Configuration of the streams app: its own settings plus {@link CommonSettings#ALL}; keys under {@code kafka.}
 * pass through into the Kafka Streams properties (e.g. {@code kafka.statestore.cache.max.bytes}). Immutable.
 */
public final class StreamsAppConfig {
    public static final Setting<String> APPLICATION_ID = Setting.string("application.id", "mayfly-streams",
            "Kafka Streams application id (consumer group, internal topic prefix)");
    public static final Setting<Integer> NUM_STREAM_THREADS = Setting.integer("num.stream.threads", 1,
            "Stream threads in this process");
    public static final Setting<String> STATE_DIR = Setting.string("state.dir",
            Path.of(System.getProperty("java.io.tmpdir"), "mayfly-streams").toString(), "Directory of the local state stores");
    public static final Setting<String> INSTANCE_ID = Setting.string("instance.id", "",
            "Stable id of this instance in the consumer group (static membership: a restarted instance takes its tasks "
                    + "back at once); empty: generated on first start and kept in state.dir. Unique per running instance");
    public static final Setting<Long> COMMIT_INTERVAL_MS = Setting.longValue("commit.interval.ms", 100L,
            "Transaction commit interval in milliseconds: the latency floor of the aggregates topic");
    public static final Setting<String> RULES_FILE = Setting.string("rules.file", "",
            "YAML file of aggregation rules; empty means none (see streams-app/README.md)");
    public static final Setting<Duration> DEDUP_HORIZON = Setting.duration("dedup.horizon", Duration.ofHours(24),
            "A batch whose event id was seen within this span of record timestamps is a duplicate");
    public static final Setting<Duration> FUTURE_SKEW = Setting.duration("event.future.skew", Duration.ofMinutes(5),
            "An emit time further ahead of the record timestamp is clamped to the record timestamp");
    public static final Setting<Duration> LATENESS = Setting.duration("event.lateness", Duration.ofHours(1),
            "An emit time further behind the record timestamp is rejected as late");
    public static final Setting<Duration> SERIES_TTL = Setting.duration("series.ttl", Duration.ofHours(1),
            "A series idle this long in event time expires (a rule's ttl overrides it)");
    public static final Setting<Duration> CUMULATIVE_IDLE = Setting.duration("cumulative.stream.idle", Duration.ofHours(1),
            "A cumulative stream id not seen for this long in event time (and at least its series' TTL) is forgotten; "
                    + "if it returns with the same start time its whole total counts again, so keep this above the longest pause of a stream");
    public static final Setting<Duration> WINDOW_GRACE = Setting.duration("window.grace", Duration.ofSeconds(5),
            "A tumbling window closes when stream time passes its end plus this grace");
    public static final Setting<Duration> EXPIRY_SCAN_INTERVAL = Setting.duration("expiry.scan.interval", Duration.ofSeconds(30),
            "How often, in stream time, idle series are looked for");
    public static final Setting<Duration> PUBLISH_INTERVAL = Setting.duration("publish.interval", Duration.ofMillis(100),
            "Changed series are published with the first commit after each punctuation of this interval, or this long after the last publication (0ms: every change at once)");
    public static final Setting<Duration> SELF_METRICS_INTERVAL = Setting.duration("self.metrics.interval", Duration.ofSeconds(5),
            "How often the mayfly_pipeline_* counters are published");
    public static final Setting<Integer> SERIES_LIMIT_PER_TASK = Setting.integer("series.limit.per.task", 100_000,
            "Most series one task keeps; the application-wide limit is this times the partitions of the events topic");
    public static final Setting<Integer> SERIES_LIMIT_PER_METRIC = Setting.integer("series.limit.per.metric.per.task", 10_000,
            "Most series of one metric name one task keeps; application-wide about this times the partitions");

    public static final Setting<Duration> LAST_PUSH_TTL = Setting.duration("last.push.ttl", Duration.ofDays(7),
            "A job's mayfly_job_last_push_timestamp_seconds (and group's) expires after this long without a push");

    private static final List<Setting<?>> OWN = List.of(APPLICATION_ID, NUM_STREAM_THREADS, STATE_DIR, INSTANCE_ID, COMMIT_INTERVAL_MS,
            RULES_FILE, DEDUP_HORIZON, FUTURE_SKEW, LATENESS, SERIES_TTL, CUMULATIVE_IDLE, WINDOW_GRACE,
            EXPIRY_SCAN_INTERVAL, PUBLISH_INTERVAL, SELF_METRICS_INTERVAL,
            SERIES_LIMIT_PER_TASK, SERIES_LIMIT_PER_METRIC, LAST_PUSH_TTL);

    /** Every setting this service reads: its own and the common ones. */
    public static final List<Setting<?>> SETTINGS = concat(OWN, CommonSettings.ALL);

    private final Settings settings;
    private final Rules rules;
    private final SchemaRegistryClient registry;

    private final Map<Integer, Long> inputEnd;
    private final boolean countsRedriven;

    private StreamsAppConfig(Settings settings, Rules rules, Map<Integer, Long> inputEnd, boolean countsRedriven) {
        this.settings = settings;
        this.rules = rules;
        this.registry = CommonSettings.registry(settings);
        this.inputEnd = Map.copyOf(inputEnd);
        this.countsRedriven = countsRedriven;
    }

    /**
     * This configuration for a replay of a range: the events record at or after {@code endByPartition}'s offset in its
     * partition is skipped as if it did not exist (Kafka Streams still reads and commits past it; nothing is counted,
     * stored or forwarded for it). A partition absent from the map has no end.
     */
    public StreamsAppConfig withInputEnd(Map<Integer, Long> endByPartition) {
        return new StreamsAppConfig(settings, rules, endByPartition, countsRedriven);
    }

    /**
     * This configuration for a recomputation (replay, backfill) that leaves out, or counts, the records {@code mayfly
     * redrive} published ({@link dev.mayfly.schemas.Topics#HEADER_REDRIVEN_EVENT_ID}). The live pipeline counts them.
     */
    public StreamsAppConfig withRedriven(boolean counted) {
        return new StreamsAppConfig(settings, rules, inputEnd, counted);
    }

    /** Parses and validates; rejects unknown keys, bad values and a bad rules file with a one-line message. */
    public static StreamsAppConfig from(Map<String, String> raw) {
        Settings settings = Settings.parse(raw, SETTINGS, CommonSettings.KAFKA_PREFIX);
        if (settings.withPrefix(CommonSettings.KAFKA_PREFIX).containsKey(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)) {
            throw new ConfigException("config key 'kafka." + StreamsConfig.PROCESSING_GUARANTEE_CONFIG
                    + "' cannot be set: Mayfly always runs exactly_once_v2 (exact counts depend on it)");
        }
        CommonSettings.validator(settings);
        for (Setting<Integer> positive : List.of(NUM_STREAM_THREADS, SERIES_LIMIT_PER_TASK, SERIES_LIMIT_PER_METRIC)) {
            if (settings.get(positive) <= 0) {
                throw new ConfigException("config key '" + positive.name() + "' must be positive, got " + settings.get(positive));
            }
        }
        for (Setting<Duration> positive : List.of(DEDUP_HORIZON, LATENESS, SERIES_TTL, CUMULATIVE_IDLE, LAST_PUSH_TTL,
                EXPIRY_SCAN_INTERVAL, SELF_METRICS_INTERVAL)) {
            if (settings.get(positive).isZero()) {
                throw new ConfigException("config key '" + positive.name() + "' must be positive");
            }
        }
        String rulesFile = settings.get(RULES_FILE);
        Rules rules = rulesFile.isBlank() ? Rules.none() : Rules.load(Path.of(rulesFile));
        return new StreamsAppConfig(settings, rules, Map.of(), true);
    }

    public String eventsTopic() {
        return settings.get(CommonSettings.EVENTS_TOPIC);
    }

    public String aggregatesTopic() {
        return settings.get(CommonSettings.AGGREGATES_TOPIC);
    }

    public String deadLetterTopic() {
        return settings.get(CommonSettings.DEAD_LETTER_TOPIC);
    }

    public Settings settings() {
        return settings;
    }

    AvroCodec<MetricEventBatch> eventsCodec() {
        return MayflyCodecs.events(registry, eventsTopic());
    }

    AvroCodec<Aggregate> aggregatesCodec() {
        return MayflyCodecs.aggregates(registry, aggregatesTopic());
    }

    PipelineOptions pipelineOptions() {
        return new PipelineOptions(eventsTopic(), settings.get(DEDUP_HORIZON), settings.get(FUTURE_SKEW),
                settings.get(LATENESS), settings.get(SERIES_TTL), settings.get(CUMULATIVE_IDLE), settings.get(WINDOW_GRACE),
                settings.get(EXPIRY_SCAN_INTERVAL), settings.get(PUBLISH_INTERVAL), settings.get(SELF_METRICS_INTERVAL),
                CommonSettings.validator(settings), settings.get(SERIES_LIMIT_PER_TASK),
                settings.get(SERIES_LIMIT_PER_METRIC), settings.get(LAST_PUSH_TTL), rules, inputEnd, countsRedriven);
    }

    /** Bytes the stream threads' consumer fetches per partition at a time (Kafka's default: 1 MB). */
    static final int MAIN_CONSUMER_PARTITION_FETCH_BYTES = 8 * 1024 * 1024;

    /**
     * The Kafka Streams properties: exactly_once_v2, the settings above, then every {@code kafka.*} override. Resolves
     * the instance id ({@link InstanceId}), creating it in the state directory on first use.
     */
    public Properties streamsProperties() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.get(APPLICATION_ID));
        // static membership: after a crash the restarted instance rejoins as itself and gets its tasks back at once,
        // instead of waiting session.timeout.ms for its dead predecessor to leave (Kafka Streams suffixes the thread index)
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
                InstanceId.resolve(settings.get(INSTANCE_ID), Path.of(settings.get(STATE_DIR)), settings.get(APPLICATION_ID)));
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, settings.get(CommonSettings.BOOTSTRAP_SERVERS));
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.get(NUM_STREAM_THREADS));
        p.put(StreamsConfig.STATE_DIR_CONFIG, settings.get(STATE_DIR));
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, settings.get(COMMIT_INTERVAL_MS));
        p.put("processing.exception.handler.global.enabled", "true");
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 64L * 1024 * 1024);
        // events are batches of up to thousands of points (250 KB at 1000 points of 10 labels): Kafka's defaults of
        // 1000 records per poll and 1000 buffered records per partition let large batches exhaust a 1 GB heap
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 100);
        p.put("buffered.records.per.partition", 64);
        // Kafka's 1 MB per partition and fetch is small for this pipeline: at 1,000 groups a commit's contributions
        // reach each aggregate task as packs of thousands of series, and a stream thread catching up drained such a
        // load ~1.5x slower, writing back and publishing series about twice as often (docs/benchmarks.md, Z). Bounded
        // in bytes: a thread buffers at most one fetch per partition it reads (64 MB for the standalone's 4 events and
        // 4 repartition partitions), whatever the batches' size.
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), MAIN_CONSUMER_PARTITION_FETCH_BYTES);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 10);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 256 * 1024);
        p.putAll(settings.withPrefix(CommonSettings.KAFKA_PREFIX));
        return p;
    }

    private static List<Setting<?>> concat(List<Setting<?>> a, List<Setting<?>> b) {
        List<Setting<?>> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
