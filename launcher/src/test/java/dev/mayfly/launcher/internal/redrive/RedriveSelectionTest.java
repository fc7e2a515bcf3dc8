package dev.mayfly.launcher.internal.redrive;

import dev.mayfly.launcher.internal.events.BatchDecoder;
import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.MayflyCodecs;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class RedriveSelectionTest {
    private static final AvroCodec<MetricEventBatch> CODEC = MayflyCodecs.events(null, Topics.EVENTS);
    private static final long NOW = 1_800_000_000_000L;
    private final RedriveSelection selection = new RedriveSelection(Set.of("cardinality_limit"), null, NOW - 1000, new BatchDecoder(CODEC));

    @Test
    void theSameDeadLetterAlwaysGivesTheSameRecordAndAnotherDeadLetterAnotherId() {
        ConsumerRecord<byte[], byte[]> dl = deadLetter(7, NOW, "cardinality_limit", encode("orig", "shop"));
        MetricEventBatch batch = selection.judge(dl).batch();
        ProducerRecord<byte[], byte[]> once = Redrive.record(Topics.EVENTS, dl, batch, CODEC);
        ProducerRecord<byte[], byte[]> twice = Redrive.record(Topics.EVENTS, dl, batch, CODEC);
        assertThat(once.key()).isEqualTo(twice.key());
        assertThat(once.timestamp()).isEqualTo(NOW).isEqualTo(twice.timestamp());
        assertThat(CODEC.decode(once.value()).getEventId()).isEqualTo(new String(once.key(), StandardCharsets.UTF_8)).isNotEqualTo("orig");
        assertThat(CODEC.decode(once.value()).getPoints()).isEqualTo(batch.getPoints());
        assertThat(new String(once.headers().lastHeader(Topics.HEADER_REDRIVEN_EVENT_ID).value(), StandardCharsets.UTF_8)).isEqualTo("orig");
        assertThat(new String(once.headers().lastHeader(Topics.HEADER_REDRIVEN_FROM).value(), StandardCharsets.UTF_8))
                .isEqualTo(Topics.DEAD_LETTER + "/0/7");
        // two points of one batch rejected: two dead letters of the same event id, each redriven under its own id
        ConsumerRecord<byte[], byte[]> sibling = deadLetter(8, NOW, "cardinality_limit", encode("orig", "shop"));
        assertThat(Redrive.eventId(sibling, batch)).isNotEqualTo(Redrive.eventId(dl, batch));
    }

    @Test
    void verdictsByReasonJobAgeAndDecodability() {
        assertThat(selection.judge(deadLetter(1, NOW, "cardinality_limit", encode("a", "shop"))).verdict())
                .isEqualTo(RedriveSelection.Verdict.REDRIVE);
        assertThat(selection.judge(deadLetter(1, NOW, "late", encode("a", "shop"))).verdict())
                .isEqualTo(RedriveSelection.Verdict.FILTERED);
        assertThat(selection.judge(deadLetter(1, NOW - 1001, "cardinality_limit", encode("a", "shop"))).verdict())
                .isEqualTo(RedriveSelection.Verdict.TOO_OLD);
        assertThat(selection.judge(deadLetter(1, NOW, "cardinality_limit", "junk".getBytes(StandardCharsets.UTF_8))).verdict())
                .isEqualTo(RedriveSelection.Verdict.UNDECODABLE);
        RedriveSelection ofJob = new RedriveSelection(Set.of("cardinality_limit"), "billing", 0, new BatchDecoder(CODEC));
        assertThat(ofJob.judge(deadLetter(1, NOW, "cardinality_limit", encode("a", "shop"))).verdict())
                .isEqualTo(RedriveSelection.Verdict.FILTERED);
        assertThat(ofJob.judge(deadLetter(1, NOW, "cardinality_limit", encode("a", "billing"))).verdict())
                .isEqualTo(RedriveSelection.Verdict.REDRIVE);
    }

    private static byte[] encode(String id, String job) {
        return CODEC.encode(MetricEventBatch.newBuilder().setEventId(id).setSource(Source.newBuilder().setJob(job).build())
                .setEmitTime(Instant.ofEpochMilli(NOW)).setPoints(List.of(MetricPoint.newBuilder().setName("requests_total")
                        .setType(MetricType.COUNTER).setLabels(Map.of("path", "/3")).setValue(5).build())).build());
    }

    private static ConsumerRecord<byte[], byte[]> deadLetter(long offset, long timestamp, String reason, byte[] value) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.HEADER_REASON, reason.getBytes(StandardCharsets.UTF_8));
        return new ConsumerRecord<>(Topics.DEAD_LETTER, 0, offset, timestamp, TimestampType.CREATE_TIME, 0, value.length,
                "orig".getBytes(StandardCharsets.UTF_8), value, headers, Optional.empty());
    }
}
