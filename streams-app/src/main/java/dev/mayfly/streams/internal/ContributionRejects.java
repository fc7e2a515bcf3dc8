package dev.mayfly.streams.internal;

import dev.mayfly.schemas.avro.Label;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;
import dev.mayfly.schemas.codec.AvroCodec;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Dead letters of the aggregate step: a rejected contribution becomes a one-point batch (the series' labels as the
 * point's labels, job, function and region as the source) under the id of its (first) event, with the reason and
 * the source partition and offset of the event in the headers. A contribution merged from several batches is one
 * dead letter carrying their combined value.
 */
final class ContributionRejects {
    private final AvroCodec<MetricEventBatch> eventsCodec;
    private final String eventsTopic;

    ContributionRejects(AvroCodec<MetricEventBatch> eventsCodec, String eventsTopic) {
        this.eventsCodec = eventsCodec;
        this.eventsTopic = eventsTopic;
    }

    Record<String, Routed> deadLetter(String key, Update u, Rejection r) {
        SeriesKeys.Parsed parsed = SeriesKeys.parse(key);
        Map<String, String> labels = new HashMap<>();
        String job = "";
        String function = null;
        String region = null;
        for (Label l : parsed.labels()) {
            switch (l.getName()) {
                case "job" -> job = l.getValue();
                case "function" -> function = l.getValue();
                case "region" -> region = l.getValue();
                default -> labels.put(l.getName(), l.getValue());
            }
        }
        MetricPoint point = MetricPoint.newBuilder()
                .setName(parsed.name())
                .setHelp(u.help)
                .setUnit(u.unit)
                .setType(u.type)
                .setLabels(labels)
                .setValue(u.value)
                .setTemporality(u.cumulative ? Temporality.CUMULATIVE : Temporality.DELTA)
                .setStreamId(u.cumulative && !u.streamId.isEmpty() ? u.streamId : null)
                .setStartTime(u.startTime == Update.NO_START_TIME ? null : Instant.ofEpochMilli(u.startTime))
                .setHistogram(u.histogram == null ? null : u.histogram.toAvro())
                .setNativeHistogram(u.histogram == null ? null : u.histogram.toNativeAvro())
                .setAggregation(u.aggregation)
                .build();
        MetricEventBatch batch = MetricEventBatch.newBuilder()
                .setEventId(u.eventId)
                .setSource(Source.newBuilder().setJob(job).setFunction(function).setRegion(region).build())
                .setEmitTime(Instant.ofEpochMilli(u.eventTime))
                .setPoints(List.of(point))
                .build();
        RecordHeaders headers = Headers.deadLetter(r, eventsTopic, u.sourcePartition, u.sourceOffset);
        return new Record<>(null, new Routed.DeadLetter(u.eventId.getBytes(StandardCharsets.UTF_8),
                eventsCodec.encode(batch)), Math.max(0, u.eventTime), headers);
    }
}
