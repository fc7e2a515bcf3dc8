package dev.mayfly.gateway.internal;

import dev.mayfly.schemas.DeleteCopy;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.codec.MayflyCodecs;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The delete writer's transactions over Kafka's MockProducer: what is committed, and what a failure leaves open. */
class DeleteCopiesWriterTest {
    private static final String TOPIC = "events";
    private static final Node NODE = new Node(0, "localhost", 9092);
    private static final Cluster CLUSTER = new Cluster("c", List.of(NODE), List.of(
            new PartitionInfo(TOPIC, 0, NODE, null, null), new PartitionInfo(TOPIC, 1, NODE, null, null),
            new PartitionInfo(TOPIC, 2, NODE, null, null)), Set.of(), Set.of());

    private final List<MockProducer<byte[], byte[]>> made = new ArrayList<>();
    private final List<Map<String, Object>> configs = new ArrayList<>();
    private DeleteCopiesWriter writer;

    private DeleteCopiesWriter writer(Map<String, Object> overrides) {
        writer = new DeleteCopiesWriter(overrides, TOPIC, MayflyCodecs.events(null, TOPIC), Duration.ofSeconds(5), config -> {
            MockProducer<byte[], byte[]> p = new MockProducer<>(CLUSTER, true, null, new ByteArraySerializer(), new ByteArraySerializer());
            made.add(p);
            configs.add(config);
            return p;
        });
        return writer;
    }

    @AfterEach
    void close() {
        if (writer != null) {
            writer.close();
        }
    }

    private static MetricEventBatch delete(String id) {
        return new MetricEventBatch(id, new Source("j", null, null, null), Instant.ofEpochMilli(1_700_000_000_000L),
                Operation.DELETE_GROUP, Map.of("instance", "a"), List.of());
    }

    @Test
    void aDeleteIsOneCommittedTransactionWithACopyInEveryPartitionWhateverTheOverrides() throws Exception {
        writer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.ACKS_CONFIG, "1")).write(delete("d1")).get();
        assertThat(configs.get(0)).containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true).containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        MockProducer<byte[], byte[]> p = made.get(0);
        assertThat(p.transactionInitialized()).isTrue();
        assertThat(p.transactionCommitted()).isTrue();
        assertThat(p.history()).extracting(ProducerRecord::partition).containsExactly(0, 1, 2);
        for (ProducerRecord<byte[], byte[]> copy : p.history()) {
            assertThat(DeleteCopy.parse(copy.headers().lastHeader(DeleteCopy.HEADER).value())).isEqualTo(new DeleteCopy(copy.partition(), 3));
            assertThat(copy.timestamp()).isEqualTo(1_700_000_000_000L);
        }
    }

    @Test
    void aFailedCommitIsAbortedAndAnswersTheDeleteWithTheFailureAndTheNextDeleteIsWritten() throws Exception {
        writer(Map.of());
        writer.write(delete("d0")).get(); // the producer is made and initialised
        MockProducer<byte[], byte[]> p = made.get(0);
        p.commitTransactionException = new KafkaException("broker says no");
        assertThatThrownBy(() -> writer.write(delete("d1")).get()).isInstanceOf(ExecutionException.class).hasMessageContaining("broker says no");
        assertThat(p.transactionAborted()).as("no reader waits for it").isTrue();
        assertThat(p.closed()).isFalse();
        p.commitTransactionException = null;
        writer.write(delete("d2")).get();
        assertThat(made).as("the same producer goes on").hasSize(1);
        assertThat(p.history()).as("d0's copies, then d2's: d1's were aborted").hasSize(6);
    }

    @Test
    void aProducerThatCannotAbortIsReplacedAtOnceSoItsOpenTransactionIsFenced() throws Exception {
        writer(Map.of());
        writer.write(delete("d0")).get();
        MockProducer<byte[], byte[]> p = made.get(0);
        p.commitTransactionException = new TimeoutException("commit timed out");
        p.abortTransactionException = new KafkaException("the commit must be retried");
        assertThatThrownBy(() -> writer.write(delete("d1")).get()).hasMessageContaining("commit timed out");
        assertThat(p.closed()).isTrue();
        assertThat(made).as("a new producer with the same transactional id, started at once").hasSize(2);
        assertThat(configs.get(1).get(ProducerConfig.TRANSACTIONAL_ID_CONFIG)).isEqualTo(configs.get(0).get(ProducerConfig.TRANSACTIONAL_ID_CONFIG));
        assertThat(made.get(1).transactionInitialized()).as("its init aborts what the old one left open").isTrue();
        writer.write(delete("d2")).get();
        assertThat(made.get(1).transactionCommitted()).isTrue();
    }
}
