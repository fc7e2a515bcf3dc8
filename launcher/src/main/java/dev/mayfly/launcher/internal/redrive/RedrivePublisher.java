package dev.mayfly.launcher.internal.redrive;

import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.Settings;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Publishes redriven records in transactions of at most {@link #PER_TRANSACTION} records: the engine reads only
 * committed records, so a redrive that fails midway leaves whole transactions behind and nothing half-written; running
 * it again re-publishes everything, and the engine drops what it already counted (the ids are the same).
 */
public final class RedrivePublisher implements AutoCloseable {
    static final int PER_TRANSACTION = 1000;

    private final KafkaProducer<byte[], byte[]> producer;
    private int inTransaction;
    private long committed;

    public RedrivePublisher(Settings settings, Duration timeout) {
        Map<String, Object> props = new HashMap<>(settings.withPrefix(CommonSettings.KAFKA_PREFIX));
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.get(CommonSettings.BOOTSTRAP_SERVERS));
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "mayfly-redrive");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "mayfly-redrive-" + UUID.randomUUID());
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) timeout.toMillis());
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();
    }

    public void send(ProducerRecord<byte[], byte[]> record) {
        if (inTransaction == 0) {
            producer.beginTransaction();
        }
        producer.send(record);
        if (++inTransaction == PER_TRANSACTION) {
            commit();
        }
    }

    /** Commits what was sent; returns how many records are committed in all. */
    public long commit() {
        if (inTransaction > 0) {
            producer.commitTransaction();
            committed += inTransaction;
            inTransaction = 0;
        }
        return committed;
    }

    /** Closes; records not committed are aborted. */
    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
