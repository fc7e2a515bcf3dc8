package dev.mayfly.schemas.config;

import dev.mayfly.schemas.TopicSetup;
import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.registry.SchemaRegistryClient;
import dev.mayfly.schemas.validation.MetricValidator;

import java.time.Duration;
import java.util.List;

/**
 * Settings every Mayfly service shares. Service config classes list these next to their own; Kafka client
 * properties pass through under the {@code kafka.} prefix (e.g. {@code kafka.security.protocol}).
 */
public final class CommonSettings {
    public static final String KAFKA_PREFIX = "kafka.";

    public static final Setting<String> BOOTSTRAP_SERVERS = Setting.string("bootstrap.servers", "localhost:9092",
            "Kafka bootstrap servers");
    public static final Setting<String> SCHEMA_REGISTRY_URL = Setting.string("schema.registry.url", "",
            "Confluent-API schema registry URL; empty means Avro single-object encoding (no registry)");
    public static final Setting<Duration> SCHEMA_REGISTRY_TIMEOUT = Setting.duration("schema.registry.timeout", Duration.ofSeconds(5),
            "Timeout of each schema registry request");
    public static final Setting<String> EVENTS_TOPIC = Setting.string("topic.events", Topics.EVENTS, "Topic of raw metric event batches");
    public static final Setting<String> AGGREGATES_TOPIC = Setting.string("topic.aggregates", Topics.AGGREGATES, "Compacted topic of aggregates");
    public static final Setting<Duration> EVENTS_RETENTION = Setting.duration("topic.events.retention", TopicSetup.DEFAULT_EVENTS_RETENTION,
            "How long the events topic keeps batches (its retention.ms when Mayfly creates it; an existing topic is left as it is): "
                    + "how far back replays and mayfly events reach");
    public static final Setting<String> DEAD_LETTER_TOPIC = Setting.string("topic.dead.letter", Topics.DEAD_LETTER, "Topic of rejected records");

    public static final Setting<Integer> MAX_LABELS = Setting.integer("max.labels", MetricValidator.DEFAULT_MAX_LABELS,
            "Most labels a series may have, counting job, function, region and grouping labels (gateway, producer library and streams check it)");
    public static final Setting<Integer> MAX_LABEL_VALUE_LENGTH = Setting.integer("max.label.value.length",
            MetricValidator.DEFAULT_MAX_LABEL_VALUE_LENGTH, "Longest label value in characters (gateway, producer library and streams check it)");

    public static final List<Setting<?>> ALL = List.of(BOOTSTRAP_SERVERS, SCHEMA_REGISTRY_URL, SCHEMA_REGISTRY_TIMEOUT,
            EVENTS_TOPIC, EVENTS_RETENTION, AGGREGATES_TOPIC, DEAD_LETTER_TOPIC, MAX_LABELS, MAX_LABEL_VALUE_LENGTH);

    private CommonSettings() {
    }

    /** The validator of the label limits the settings give; a limit that is not positive is a {@link ConfigException}. */
    public static MetricValidator validator(Settings settings) {
        for (Setting<Integer> limit : List.of(MAX_LABELS, MAX_LABEL_VALUE_LENGTH)) {
            if (settings.get(limit) <= 0) {
                throw new ConfigException("config key '" + limit.name() + "' must be positive, got " + settings.get(limit));
            }
        }
        return new MetricValidator(settings.get(MAX_LABELS), settings.get(MAX_LABEL_VALUE_LENGTH));
    }

    /** The events topic's retention the settings give; one that is not positive is a {@link ConfigException}. */
    public static Duration eventsRetention(Settings settings) {
        Duration retention = settings.get(EVENTS_RETENTION);
        if (retention.isZero() || retention.isNegative()) {
            throw new ConfigException("config key '" + EVENTS_RETENTION.name() + "' must be positive, got " + retention);
        }
        return retention;
    }

    /** The registry client the settings ask for, or null for single-object encoding. */
    public static SchemaRegistryClient registry(Settings settings) {
        String url = settings.get(SCHEMA_REGISTRY_URL);
        return url.isBlank() ? null : new SchemaRegistryClient(url, settings.get(SCHEMA_REGISTRY_TIMEOUT));
    }
}
