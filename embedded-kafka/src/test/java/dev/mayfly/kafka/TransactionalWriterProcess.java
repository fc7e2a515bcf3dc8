package dev.mayfly.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The process {@link EmbeddedKafkaCrashIT} kills: a single node on {@code args[0]} and a writer committing transactions
 * in a loop, each a record on every partition of {@link #TOPIC} plus a consumer offset (so {@code __consumer_offsets}
 * takes part too), the way a streams app commits. Prints {@code committed <n>} after each commit returns.
 */
public final class TransactionalWriterProcess {
    static final String TOPIC = "t";
    static final int PARTITIONS = 4;
    static final String TRANSACTIONAL_ID = "crash-writer";
    static final String GROUP = "crash-group";

    private TransactionalWriterProcess() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.on(Path.of(args[0]), 0).start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, TRANSACTIONAL_ID), new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            for (long n = 1; ; n++) {
                producer.beginTransaction();
                for (int p = 0; p < PARTITIONS; p++) {
                    producer.send(new ProducerRecord<>(TOPIC, p, "k", Long.toString(n)));
                }
                producer.sendOffsetsToTransaction(Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(n)),
                        new ConsumerGroupMetadata(GROUP));
                producer.commitTransaction();
                System.out.println("committed " + n);
                System.out.flush();
            }
        }
    }
}
