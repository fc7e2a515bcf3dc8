package dev.mayfly.schemas;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/** Creates Mayfly's topics when they do not exist yet; existing topics are left as they are. */
public final class TopicSetup {
    /** How long the events topic keeps batches unless told otherwise ({@code topic.events.retention}). */
    public static final Duration DEFAULT_EVENTS_RETENTION = Duration.ofDays(7);

    private TopicSetup() {
    }

    /**
     * The min.insync.replicas Mayfly's topics get unless told otherwise: 2 with two or more replicas (with
     * {@code acks=all} an acknowledged write is on two brokers, and one broker may be down), else 1.
     */
    public static short defaultMinInsyncReplicas(short replicationFactor) {
        return (short) Math.min(2, replicationFactor);
    }

    /**
     * Ensures the events topic (time-retained, replayable), the aggregates topic (compacted) and the dead-letter topic
     * exist with {@code partitions} partitions, {@code replicationFactor} replicas and
     * {@link #defaultMinInsyncReplicas(short) the default min.insync.replicas}.
     */
    public static void ensure(Admin admin, String eventsTopic, String aggregatesTopic, String deadLetterTopic,
                              int partitions, short replicationFactor) {
        ensure(admin, eventsTopic, aggregatesTopic, deadLetterTopic, partitions, replicationFactor,
                defaultMinInsyncReplicas(replicationFactor));
    }

    /** As {@link #ensure(Admin, String, String, String, int, short)} with {@code minInsyncReplicas} on every topic. */
    public static void ensure(Admin admin, String eventsTopic, String aggregatesTopic, String deadLetterTopic,
                              int partitions, short replicationFactor, short minInsyncReplicas) {
        ensure(admin, eventsTopic, aggregatesTopic, deadLetterTopic, partitions, replicationFactor, minInsyncReplicas,
                DEFAULT_EVENTS_RETENTION);
    }

    /**
     * As {@link #ensure(Admin, String, String, String, int, short, short)}, the events topic created with
     * {@code eventsRetention} as its {@code retention.ms}.
     */
    public static void ensure(Admin admin, String eventsTopic, String aggregatesTopic, String deadLetterTopic,
                              int partitions, short replicationFactor, short minInsyncReplicas, Duration eventsRetention) {
        if (eventsRetention.isNegative() || eventsRetention.isZero()) {
            throw new IllegalArgumentException("the events topic's retention must be positive, got " + eventsRetention);
        }
        String minIsr = String.valueOf(minInsyncReplicas);
        List<NewTopic> topics = List.of(
                new NewTopic(eventsTopic, partitions, replicationFactor).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.RETENTION_MS_CONFIG, String.valueOf(eventsRetention.toMillis()),
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)),
                new NewTopic(aggregatesTopic, partitions, replicationFactor).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                        TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "60000",
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)),
                new NewTopic(deadLetterTopic, partitions, replicationFactor).configs(Map.of(
                        TopicConfig.RETENTION_MS_CONFIG, String.valueOf(14L * 24 * 3600 * 1000),
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)));
        for (NewTopic topic : topics) {
            try {
                admin.createTopics(List.of(topic)).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + topic.name() + ": " + e.getCause().getMessage(), e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while creating topic " + topic.name(), e);
            }
        }
    }

    /** As {@link #ensure(Admin, String, String, String, int, short)} with the default topic names. */
    public static void ensureDefaults(Admin admin, int partitions, short replicationFactor) {
        ensureDefaults(admin, partitions, replicationFactor, DEFAULT_EVENTS_RETENTION);
    }

    /** As {@link #ensureDefaults(Admin, int, short)}, the events topic retained for {@code eventsRetention}. */
    public static void ensureDefaults(Admin admin, int partitions, short replicationFactor, Duration eventsRetention) {
        ensure(admin, Topics.EVENTS, Topics.AGGREGATES, Topics.DEAD_LETTER, partitions, replicationFactor,
                defaultMinInsyncReplicas(replicationFactor), eventsRetention);
    }
}
