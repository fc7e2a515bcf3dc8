package dev.mayfly.launcher;

import dev.mayfly.launcher.internal.ServiceConfigs;
import dev.mayfly.launcher.internal.events.BatchDecoder;
import dev.mayfly.launcher.internal.redrive.Redrive;
import dev.mayfly.launcher.internal.redrive.RedrivePublisher;
import dev.mayfly.launcher.internal.redrive.RedriveSelection;
import dev.mayfly.launcher.internal.topics.ProgressFormat;
import dev.mayfly.launcher.internal.topics.ProgressReporter;
import dev.mayfly.launcher.internal.topics.RangeConsumers;
import dev.mayfly.launcher.internal.topics.TopicRange;
import dev.mayfly.launcher.internal.topics.TopicRangeReader;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Setting;
import dev.mayfly.schemas.config.Settings;
import dev.mayfly.streams.StreamsAppConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "redrive", mixinStandardHelpOptions = true,
        description = "Re-publishes dead letters of the given reasons (over a range of record timestamps) to the events "
                + "topic, once the cause is fixed: only what was rejected, under ids the engine deduplicates, so a "
                + "second redrive of the same dead letter is not counted again. See docs/data-teams.md.")
final class RedriveCommand implements Callable<Integer> {
    /** Dead letters this close to the end of the dedup horizon are not redriven: stream time may run ahead of the clock. */
    private static final double HORIZON_SHARE = 0.9;
    private static final Setting<Duration> DEDUP_HORIZON = StreamsAppConfig.DEDUP_HORIZON;

    @Mixin
    RangeOptions range;

    @Option(names = "--reason", paramLabel = "REASON", required = true, split = ",",
            description = "Redrive dead letters with this reason (the mayfly.reason header, e.g. cardinality_limit); repeatable or comma-separated.")
    List<String> reasons = new ArrayList<>();

    @Option(names = "--job", paramLabel = "JOB", description = "Only dead letters of this job.")
    String job;

    @Option(names = "--dry-run", description = "Print what would be redriven (one line each, on stdout) and publish nothing.")
    boolean dryRun;

    private long oldestMs;

    @Override
    public Integer call() throws Exception {
        Set<String> wanted = new LinkedHashSet<>();
        for (String r : reasons) {
            if (r.isBlank()) {
                throw new ConfigException("--reason must not be empty");
            }
            wanted.add(r.strip());
        }
        Instant now = Instant.now();
        Instant[] times = range.times(now);
        Settings settings = range.settings();
        Duration horizon = dedupHorizon();
        oldestMs = now.toEpochMilli() - (long) (horizon.toMillis() * HORIZON_SHARE);
        String deadLetterTopic = settings.get(CommonSettings.DEAD_LETTER_TOPIC);
        String eventsTopic = settings.get(CommonSettings.EVENTS_TOPIC);
        AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(CommonSettings.registry(settings), eventsTopic);
        RedriveSelection selection = new RedriveSelection(wanted, job, oldestMs, new BatchDecoder(codec));
        try (KafkaConsumer<byte[], byte[]> consumer = RangeConsumers.create(settings, "mayfly-redrive")) {
            TopicRange offsets = TopicRange.resolve(consumer, settings.get(CommonSettings.BOOTSTRAP_SERVERS), deadLetterTopic,
                    times[0], times[1], RangeConsumers.TIMEOUT);
            TopicRange.resolve(consumer, settings.get(CommonSettings.BOOTSTRAP_SERVERS), eventsTopic, null, null, RangeConsumers.TIMEOUT);
            ProgressReporter progress = ProgressReporter.onStderr(offsets.size(), dryRun);
            Counts counts = new Counts();
            try (RedrivePublisher publisher = dryRun ? null : new RedrivePublisher(settings, RangeConsumers.TIMEOUT)) {
                TopicRangeReader.read(consumer, offsets, record -> {
                    handle(record, selection, publisher, eventsTopic, codec, counts);
                    return true;
                }, progress, RangeConsumers.TIMEOUT);
                if (publisher != null) {
                    publisher.commit();
                }
            }
            progress.finish(summary(deadLetterTopic, eventsTopic, offsets, progress, counts, horizon));
        }
        return 0;
    }

    private void handle(ConsumerRecord<byte[], byte[]> record, RedriveSelection selection, RedrivePublisher publisher,
                        String eventsTopic, AvroCodec<MetricEventBatch> codec, Counts counts) {
        RedriveSelection.Outcome outcome = selection.judge(record);
        switch (outcome.verdict()) {
            case FILTERED -> {
                counts.filtered++;
                if (outcome.reason() != null) {
                    if (selection.wants(outcome.reason())) {
                        counts.seenReasons.add(outcome.reason()); // of another job, or not a batch
                    } else {
                        counts.otherReasons.merge(outcome.reason(), 1L, Long::sum);
                    }
                }
            }
            case UNDECODABLE -> counts.undecodable++;
            case TOO_OLD -> counts.tooOld++;
            case REDRIVE -> {
                counts.redriven++;
                counts.points += outcome.batch().getPoints().size();
                counts.byReason.merge(outcome.reason(), 1L, Long::sum);
                if (publisher == null) {
                    printPlan(System.out, record, outcome);
                } else {
                    publisher.send(Redrive.record(eventsTopic, record, outcome.batch(), codec));
                }
            }
        }
    }

    private static void printPlan(PrintStream out, ConsumerRecord<byte[], byte[]> record, RedriveSelection.Outcome outcome) {
        MetricEventBatch b = outcome.batch();
        out.printf(Locale.ROOT, "%s %s %s job=%s event_id=%s as %s, %s%n", Redrive.coordinates(record),
                Instant.ofEpochMilli(record.timestamp()), outcome.reason(), b.getSource().getJob(), b.getEventId(),
                Redrive.eventId(record, b), ProgressFormat.count(b.getPoints().size(), "point", "points"));
    }

    private String summary(String deadLetterTopic, String eventsTopic, TopicRange offsets, ProgressReporter progress,
                           Counts counts, Duration horizon) {
        StringBuilder reasonsText = new StringBuilder();
        counts.byReason.forEach((r, n) -> reasonsText.append(reasonsText.length() == 0 ? " (" : ", ").append(r).append(' ').append(n));
        if (reasonsText.length() > 0) {
            reasonsText.append(')');
        }
        return String.format(Locale.ROOT, "%s: read %s of %s, %s %s%s with %s to %s, filtered out %s, "
                        + "skipped %s not decodable and %s older than %.0f%% of dedup.horizon (%s: before %s), in %.1f s%s",
                deadLetterTopic, ProgressFormat.count(progress.records(), "record", "records"),
                ProgressFormat.count(offsets.size(), "offset", "offsets"), dryRun ? "would redrive" : "redrove",
                ProgressFormat.count(counts.redriven, "dead letter", "dead letters"), reasonsText,
                ProgressFormat.count(counts.points, "point", "points"), eventsTopic, ProgressFormat.count(counts.filtered),
                ProgressFormat.count(counts.undecodable), ProgressFormat.count(counts.tooOld), HORIZON_SHARE * 100,
                horizon.toString().substring(2).toLowerCase(Locale.ROOT), Instant.ofEpochMilli(oldestMs), progress.elapsedSeconds(),
                unmatched(counts));
    }

    /** For a reason asked for that no dead letter in the range has (a typo?): the reasons the range does have. */
    private String unmatched(Counts counts) {
        List<String> none = reasons.stream().map(String::strip)
                .filter(r -> !counts.byReason.containsKey(r) && !counts.seenReasons.contains(r)).distinct().toList();
        if (none.isEmpty() || counts.otherReasons.isEmpty() || counts.tooOld + counts.undecodable > 0) {
            return "";
        }
        StringBuilder other = new StringBuilder();
        counts.otherReasons.forEach((r, n) -> other.append(other.length() == 0 ? "" : ", ").append(r).append(' ').append(n));
        return String.format(Locale.ROOT, "; no dead letter in the range has the reason %s (reasons it has: %s)",
                String.join(", ", none), other);
    }

    /** The engine's dedup.horizon, from the same configuration sources as every other key. */
    private Duration dedupHorizon() {
        Map<String, String> raw = range.config.load(Map.of());
        return Settings.parse(ServiceConfigs.sliceFor(raw, List.of(DEDUP_HORIZON)), List.of(DEDUP_HORIZON),
                CommonSettings.KAFKA_PREFIX).get(DEDUP_HORIZON);
    }

    private static final class Counts {
        long redriven;
        long points;
        long filtered;
        long undecodable;
        long tooOld;
        final Map<String, Long> byReason = new java.util.TreeMap<>();
        /** Dead letters filtered out for a reason not asked for, by reason. */
        final Map<String, Long> otherReasons = new java.util.TreeMap<>();
        /** Reasons asked for that dead letters filtered out for another cause (their job) had. */
        final Set<String> seenReasons = new java.util.HashSet<>();
    }
}
