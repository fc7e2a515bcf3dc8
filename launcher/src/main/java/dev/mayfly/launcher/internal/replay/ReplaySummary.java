package dev.mayfly.launcher.internal.replay;

import dev.mayfly.launcher.internal.topics.ProgressFormat;
import dev.mayfly.launcher.internal.topics.ProgressReporter;
import dev.mayfly.launcher.internal.topics.RangeConsumers;
import dev.mayfly.launcher.internal.topics.TopicRange;
import dev.mayfly.launcher.internal.topics.TopicRangeReader;
import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.Label;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.Settings;
import org.apache.kafka.clients.consumer.KafkaConsumer;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a replay produced, read back from its aggregates topic (committed records, the latest value per series key):
 * the series it holds (not counting Mayfly's own {@code mayfly_*} series) and the pipeline counters ({@code mayfly_pipeline_*}, summed over tasks and jobs).
 */
public record ReplaySummary(long series, long batches, long points, long duplicates, Map<String, Long> rejectsByReason,
                            long redrivenLeftOut) {
    /** Names Mayfly reserves for its own series: not counted as series written. */
    private static final String OWN = "mayfly_";
    private static final String PIPELINE = "mayfly_pipeline_";

    /** Reads {@code topic} from its beginning to its end. */
    public static ReplaySummary read(Settings settings, String topic, AvroCodec<Aggregate> codec) throws Exception {
        Map<String, Aggregate> latest = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = RangeConsumers.create(settings, "mayfly-replay-summary")) {
            TopicRange range = TopicRange.resolve(consumer, settings.get(CommonSettings.BOOTSTRAP_SERVERS), topic, null, null,
                    RangeConsumers.TIMEOUT);
            ProgressReporter silent = new ProgressReporter(new PrintStream(OutputStream.nullOutputStream()), false,
                    System::nanoTime, range.size());
            TopicRangeReader.read(consumer, range, record -> {
                String key = new String(record.key(), StandardCharsets.UTF_8);
                if (record.value() == null) {
                    latest.remove(key);
                } else {
                    latest.put(key, codec.decode(record.value()));
                }
                return true;
            }, silent, RangeConsumers.TIMEOUT);
        }
        return of(latest.values());
    }

    static ReplaySummary of(Iterable<Aggregate> aggregates) {
        long series = 0;
        Map<String, Long> counters = new HashMap<>();
        Map<String, Long> rejects = new TreeMap<>();
        for (Aggregate a : aggregates) {
            String name = a.getName();
            if (!name.startsWith(OWN)) {
                series++;
                continue;
            }
            if (!name.startsWith(PIPELINE)) {
                continue; // Mayfly's other series (the jobs' last push times)
            }
            long value = (long) a.getValue();
            counters.merge(name.substring(PIPELINE.length()), value, Long::sum);
            if (name.equals(PIPELINE + "rejects")) {
                String reason = a.getLabels().stream().filter(l -> l.getName().equals("reason")).map(Label::getValue)
                        .findFirst().orElse("unknown");
                rejects.merge(reason, value, Long::sum);
            }
        }
        return new ReplaySummary(series, counters.getOrDefault("events", 0L), counters.getOrDefault("points", 0L),
                counters.getOrDefault("duplicates", 0L), rejects, counters.getOrDefault("redriven_left_out", 0L));
    }

    public long rejects() {
        return rejectsByReason.values().stream().mapToLong(Long::longValue).sum();
    }

    /** {@code read 12 batches, 20 points, 1 duplicate; wrote 9 series to T; rejected 2 (late 1, type_mismatch 1) to D}. */
    public String describe(String aggregatesTopic, String deadLetterTopic) {
        StringBuilder reasons = new StringBuilder();
        rejectsByReason.forEach((reason, n) -> reasons.append(reasons.isEmpty() ? " (" : ", ").append(reason).append(' ')
                .append(ProgressFormat.count(n)));
        if (!reasons.isEmpty()) {
            reasons.append(')');
        }
        return "read " + ProgressFormat.count(batches, "batch", "batches") + ", " + ProgressFormat.count(points, "point", "points")
                + ", " + ProgressFormat.count(duplicates, "duplicate", "duplicates") + "; wrote "
                + ProgressFormat.count(series, "series", "series") + " to " + aggregatesTopic + "; rejected "
                + ProgressFormat.count(rejects()) + reasons + " to " + deadLetterTopic
                + (redrivenLeftOut == 0 ? "" : "; left out " + ProgressFormat.count(redrivenLeftOut, "redriven record", "redriven records")
                + " (a replay meets their originals; --include-redriven counts them, as a range without the originals needs)");
    }
}
