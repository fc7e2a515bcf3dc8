package dev.mayfly.schemas;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/** Creates Mayfly's topics when they do not exist yet; existing topics are left as they are. */
public final class TopicSetup {
    private TopicSetup() {
    }

    /**
     * Ensures the events topic (time-retained, replayable), the aggregates topic (compacted) and the dead-letter topic
     * exist with {@code partitions} partitions and {@code replicationFactor} replicas.
     */
    public static void ensure(Admin admin, String eventsTopic, String aggregatesTopic, String deadLetterTopic,
                              int partitions, short replicationFactor) {
        List<NewTopic> topics = List.of(
                new NewTopic(eventsTopic, partitions, replicationFactor).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.RETENTION_MS_CONFIG, String.valueOf(7L * 24 * 3600 * 1000))),
                new NewTopic(aggregatesTopic, partitions, replicationFactor).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                        TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "60000")),
                new NewTopic(deadLetterTopic, partitions, replicationFactor).configs(Map.of(
                        TopicConfig.RETENTION_MS_CONFIG, String.valueOf(14L * 24 * 3600 * 1000))));
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
        ensure(admin, Topics.EVENTS, Topics.AGGREGATES, Topics.DEAD_LETTER, partitions, replicationFactor);
    }
}
