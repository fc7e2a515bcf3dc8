package dev.mayfly.launcher.internal.topics;

import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.Settings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The consumer the range commands read with: no consumer group (partitions are assigned, nothing is committed),
 * committed records only, raw bytes, the {@code kafka.*} pass-through keys applied (security, say).
 */
public final class RangeConsumers {
    /** How long the cluster may take to answer before a range command gives up with one line. */
    public static final Duration TIMEOUT = Duration.ofSeconds(15);

    private RangeConsumers() {
    }

    public static KafkaConsumer<byte[], byte[]> create(Settings settings, String clientId) {
        quietKafkaLogs();
        Map<String, Object> props = new HashMap<>(settings.withPrefix(CommonSettings.KAFKA_PREFIX));
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.get(CommonSettings.BOOTSTRAP_SERVERS));
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * The Kafka client's connection warnings would bury the one line a command prints when the cluster is down. Call
     * before any Kafka class logs (a logger's level is fixed when it is created); {@link #create} calls it too.
     */
    public static void quietKafkaLogs() {
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka",
                System.getProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error"));
    }
}
