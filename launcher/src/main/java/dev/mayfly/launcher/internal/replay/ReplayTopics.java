package dev.mayfly.launcher.internal.replay;

import dev.mayfly.launcher.internal.topics.PartitionRange;
import dev.mayfly.launcher.internal.topics.RangeException;
import dev.mayfly.launcher.internal.topics.TopicRange;
import dev.mayfly.schemas.TopicSetup;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What a replay does to the cluster through the Admin API: finds what an earlier replay of the same name left,
 * deletes it, creates the replay's topics, commits the range's start offsets for its consumer group (the way
 * kafka-streams-application-reset does), and reads the group's committed offsets and topics' end offsets.
 */
public final class ReplayTopics {
    private final Admin admin;
    private final Duration timeout;

    public ReplayTopics(Admin admin, Duration timeout) {
        this.admin = admin;
        this.timeout = timeout;
    }

    /** The topic's description; a {@link RangeException} naming it when it does not exist. */
    public TopicDescription describe(String topic) {
        try {
            return get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
        } catch (UnknownTopicOrPartitionException e) {
            throw new RangeException("topic '" + topic + "' does not exist");
        }
    }

    /** What of the replay exists already: its topics (among {@code internalTopics} too) and its consumer group. */
    public List<String> existing(ReplayNames names, Set<String> internalTopics) {
        Set<String> all = get(admin.listTopics().names());
        List<String> out = new ArrayList<>();
        for (String topic : ownTopics(names, internalTopics)) {
            if (all.contains(topic)) {
                out.add("topic " + topic);
            }
        }
        if (groupExists(names.applicationId())) {
            out.add("consumer group " + names.applicationId());
        }
        return out;
    }

    private static Set<String> ownTopics(ReplayNames names, Set<String> internalTopics) {
        Set<String> topics = new TreeSet<>(internalTopics);
        topics.add(names.aggregatesTopic());
        topics.add(names.deadLetterTopic());
        return topics;
    }

    private boolean groupExists(String group) {
        try {
            ConsumerGroupDescription d = get(admin.describeConsumerGroups(List.of(group)).all()).get(group);
            return d.groupState() != GroupState.DEAD;
        } catch (GroupIdNotFoundException e) {
            return false;
        }
    }

    /**
     * Deletes the replay's consumer group and topics ({@code keepOutput}: all but its aggregates and dead-letter
     * topics), and waits until the topics are gone.
     *
     * @throws RangeException when the group still has members: that replay is running
     */
    public void delete(ReplayNames names, Set<String> internalTopics, boolean keepOutput) {
        String group = names.applicationId();
        if (groupExists(group)) {
            ConsumerGroupDescription d = get(admin.describeConsumerGroups(List.of(group)).all()).get(group);
            if (!d.members().isEmpty()) {
                throw new RangeException("replay '" + names.name() + "' is running (its consumer group " + group
                        + " has members); stop it first");
            }
            get(admin.deleteConsumerGroups(List.of(group)).all());
        }
        Set<String> topics = keepOutput ? new TreeSet<>(internalTopics) : ownTopics(names, internalTopics);
        topics.retainAll(get(admin.listTopics().names()));
        if (topics.isEmpty()) {
            return;
        }
        get(admin.deleteTopics(topics).all());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (get(admin.listTopics().names()).stream().anyMatch(topics::contains)) {
            if (System.nanoTime() > deadline) {
                throw new RangeException("topics " + topics + " were not deleted within " + timeout.toSeconds() + " s");
            }
            sleep(100);
        }
    }

    /** Creates the replay's aggregates (compacted) and dead-letter topics as Mayfly creates its own. */
    public void create(ReplayNames names, String eventsTopic, int partitions, short replicationFactor) {
        TopicSetup.ensure(admin, eventsTopic, names.aggregatesTopic(), names.deadLetterTopic(), partitions, replicationFactor);
    }

    /** Commits the range's start offsets for {@code group}, so its first start reads each partition from there. */
    public void startAt(String group, TopicRange range) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (PartitionRange p : range.partitions()) {
            offsets.put(p.partition(), new OffsetAndMetadata(p.start()));
        }
        get(admin.alterConsumerGroupOffsets(group, offsets).all());
    }

    /** The group's committed offsets, only those whose transactions committed (require stable). */
    public Map<TopicPartition, Long> committed(String group) {
        Map<TopicPartition, OffsetAndMetadata> c = get(admin.listConsumerGroupOffsets(
                Map.of(group, new ListConsumerGroupOffsetsSpec()), new ListConsumerGroupOffsetsOptions().requireStable(true))
                .partitionsToOffsetAndMetadata(group));
        Map<TopicPartition, Long> out = new HashMap<>();
        c.forEach((tp, o) -> {
            if (o != null) {
                out.put(tp, o.offset());
            }
        });
        return out;
    }

    /** Each partition's end offset (high watermark: records of open transactions included). */
    public Map<TopicPartition, Long> endOffsets(String topic) {
        TopicDescription d = describe(topic);
        Map<TopicPartition, OffsetSpec> query = new HashMap<>();
        d.partitions().forEach(p -> query.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        Map<TopicPartition, Long> out = new HashMap<>();
        get(admin.listOffsets(query).all()).forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    private <T> T get(KafkaFuture<T> future) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new RangeException("Kafka did not answer within " + timeout.toSeconds() + " s (is it running?)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
