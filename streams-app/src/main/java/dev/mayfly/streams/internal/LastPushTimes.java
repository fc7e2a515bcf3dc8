package dev.mayfly.streams.internal;

import dev.mayfly.schemas.MetricNames;
import dev.mayfly.schemas.SeriesKey;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricType;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * The freshness gauges of the jobs: for every batch the pipeline takes (valid, not a duplicate), the record timestamp
 * in seconds as a MAX gauge of {@code mayfly_job_last_push_timestamp_seconds{job}} and, when the batch has grouping
 * labels, of {@code mayfly_group_last_push_timestamp_seconds{job,<grouping labels>}} (the Pushgateway's
 * {@code push_time_seconds}). They go through the aggregate step like any series, so they are exact across restarts
 * and replays, merge across batches until the commit, are deleted with their group and expire after
 * {@link PipelineOptions#lastPushTtl}.
 */
final class LastPushTimes {
    static final String HELP = "Record timestamp of the newest batch the pipeline took from this job (or group), in seconds since the epoch";

    private LastPushTimes() {
    }

    static boolean isLastPush(String metricName) {
        return metricName.equals(MetricNames.JOB_LAST_PUSH) || metricName.equals(MetricNames.GROUP_LAST_PUSH);
    }

    /** Passes the contributions of {@code batch}, each with its merge key, to {@code add}. */
    static void of(MetricEventBatch batch, long recordTimestamp, long eventTime, BiConsumer<String, Update> add) {
        String job = batch.getSource().getJob();
        add(SeriesKey.of(MetricNames.JOB_LAST_PUSH, new TreeMap<>(Map.of("job", job))), batch.getEventId(), recordTimestamp, eventTime, add);
        TreeMap<String, String> labels = new TreeMap<>(batch.getGroupingLabels());
        labels.values().removeIf(String::isEmpty); // an empty label is no label
        if (!labels.isEmpty()) {
            labels.put("job", job);
            add(SeriesKey.of(MetricNames.GROUP_LAST_PUSH, labels), batch.getEventId(), recordTimestamp, eventTime, add);
        }
    }

    private static void add(String key, String eventId, long recordTimestamp, long eventTime, BiConsumer<String, Update> add) {
        Update u = Update.point(eventId, eventTime, MetricType.GAUGE, Aggregation.MAX, false, null, Update.NO_START_TIME,
                recordTimestamp / 1000.0, null, HELP, "seconds");
        u.seriesKey = key;
        u.mergesAcrossBatches = u.mergesAcrossBatches(false);
        add.accept(key + '\u0000' + Aggregation.MAX.ordinal(), u);
    }
}
