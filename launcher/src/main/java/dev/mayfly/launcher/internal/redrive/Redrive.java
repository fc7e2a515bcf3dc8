package dev.mayfly.launcher.internal.redrive;

import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.AvroCodec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The events record that redrives one dead letter: the dead letter's batch (only what was rejected: a point, a
 * contribution, or a whole batch when the whole record was rejected) under an event id derived from the dead
 * letter's identity, with the dead letter's record timestamp, and headers naming the original event id and the
 * dead letter. The same dead letter always gives the same id, key and timestamp, so the engine's deduplication
 * (by event id, within {@code dedup.horizon} of record timestamps, per partition of the key) counts a second
 * redrive of it as a duplicate.
 */
public final class Redrive {
    private Redrive() {
    }

    /** The event id a redrive of {@code deadLetter} (holding {@code batch}) publishes under. */
    public static String eventId(ConsumerRecord<byte[], byte[]> deadLetter, MetricEventBatch batch) {
        String identity = deadLetter.topic() + '\u0000' + deadLetter.partition() + '\u0000' + deadLetter.offset()
                + '\u0000' + deadLetter.timestamp() + '\u0000' + batch.getEventId();
        return "redrive-" + UUID.nameUUIDFromBytes(identity.getBytes(StandardCharsets.UTF_8));
    }

    /** The dead letter's coordinates as the {@link Topics#HEADER_REDRIVEN_FROM} header writes them. */
    public static String coordinates(ConsumerRecord<?, ?> deadLetter) {
        return deadLetter.topic() + "/" + deadLetter.partition() + "/" + deadLetter.offset();
    }

    /** The record to publish to {@code eventsTopic} for {@code deadLetter}, whose value decoded to {@code batch}. */
    public static ProducerRecord<byte[], byte[]> record(String eventsTopic, ConsumerRecord<byte[], byte[]> deadLetter,
                                                        MetricEventBatch batch, AvroCodec<MetricEventBatch> codec) {
        String id = eventId(deadLetter, batch);
        MetricEventBatch redriven = MetricEventBatch.newBuilder(batch).setEventId(id).build();
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.HEADER_REDRIVEN_EVENT_ID, batch.getEventId().getBytes(StandardCharsets.UTF_8));
        headers.add(Topics.HEADER_REDRIVEN_FROM, coordinates(deadLetter).getBytes(StandardCharsets.UTF_8));
        byte[] reason = DeadLetters.header(deadLetter, Topics.HEADER_REASON);
        if (reason != null) {
            headers.add(Topics.HEADER_REASON, reason);
        }
        return new ProducerRecord<>(eventsTopic, null, deadLetter.timestamp(), id.getBytes(StandardCharsets.UTF_8),
                codec.encode(redriven), headers);
    }
}
