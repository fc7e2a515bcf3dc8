package dev.mayfly.launcher;

import dev.mayfly.launcher.internal.ServiceConfigs;
import dev.mayfly.launcher.internal.backfill.Backfill;
import dev.mayfly.launcher.internal.events.BatchFilter;
import dev.mayfly.launcher.internal.topics.CommandOutput;
import dev.mayfly.launcher.internal.topics.ProgressFormat;
import dev.mayfly.launcher.internal.topics.ProgressReporter;
import dev.mayfly.launcher.internal.topics.RangeConsumers;
import dev.mayfly.launcher.internal.topics.TopicRange;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Setting;
import dev.mayfly.schemas.config.Settings;
import dev.mayfly.streams.StreamsAppConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "backfill", mixinStandardHelpOptions = true,
        description = "Turns a range of the events topic into Prometheus history: OpenMetrics text with a sample of "
                + "every series at every step, computed by the engine's own aggregation, for "
                + "'promtool tsdb create-blocks-from openmetrics'. See docs/data-teams.md.")
final class BackfillCommand implements Callable<Integer> {
    @Mixin
    RangeOptions range;

    @Option(names = "--step", paramLabel = "DURATION", required = true,
            description = "Time between samples, e.g. 15s (like a scrape interval); steps are multiples of it since the epoch.")
    String step;

    @Option(names = "--job", paramLabel = "JOB", description = "Only batches of this job.")
    String job;

    @Option(names = "--out", paramLabel = "FILE", description = "Write to this file instead of stdout.")
    Path out;

    @Option(names = "--include-redriven", description = "Count the records mayfly redrive published as well (by default "
            + "they are left out: the backfill meets their originals and judges them by its own settings).")
    boolean includeRedriven;

    @Override
    public Integer call() throws Exception {
        Duration stepDuration;
        try {
            stepDuration = Setting.parseDuration(step.trim());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--step '" + step + "' is not a duration (e.g. 15s, 1m)");
        }
        if (stepDuration.toMillis() < 1000) {
            throw new ConfigException("--step must be at least 1s (a scrape interval, such as 15s), got " + step);
        }
        Instant now = Instant.now();
        Instant[] times = range.times(now);
        Settings settings = range.settings();
        String topic = settings.get(CommonSettings.EVENTS_TOPIC);
        BatchFilter filter = BatchFilter.of(job, null, null);
        Path stateDir = Files.createTempDirectory("mayfly-backfill");
        try {
            StreamsAppConfig engine = engineConfig(stateDir, 1); // validates the configuration before the cluster is asked
            TopicRange offsets;
            try (KafkaConsumer<byte[], byte[]> consumer = RangeConsumers.create(settings, "mayfly-backfill")) {
                offsets = TopicRange.resolve(consumer, settings.get(CommonSettings.BOOTSTRAP_SERVERS), topic, times[0], times[1],
                        RangeConsumers.TIMEOUT);
            }
            engine = engineConfig(stateDir, offsets.partitions().size());
            ProgressReporter progress = ProgressReporter.onStderr(offsets.size(), out == null);
            Backfill.Result result;
            try (OutputStream stream = open()) {
                result = new Backfill(settings, engine, MayflyCodecs.aggregates(CommonSettings.registry(settings), engine.aggregatesTopic()),
                        filter, stepDuration.toMillis(), times[1], now).run(offsets, stream, progress);
            }
            progress.finish(String.format(Locale.ROOT, "%s: read %s of %s, filtered out %s, wrote %s of %s at %s of %s%s%s, in %.1f s",
                    topic, ProgressFormat.count(progress.records(), "record", "records"),
                    ProgressFormat.count(offsets.size(), "offset", "offsets"), ProgressFormat.count(result.filtered()),
                    ProgressFormat.count(result.samples(), "sample", "samples"), ProgressFormat.count(result.seriesSeen(), "series", "series"),
                    ProgressFormat.count(result.steps(), "step", "steps"), step,
                    result.steps() == 0 ? "" : " from " + Instant.ofEpochMilli(result.firstStepMs()) + " to " + Instant.ofEpochMilli(result.lastStepMs()),
                    out == null ? "" : " to " + out, progress.elapsedSeconds()));
        } finally {
            deleteRecursively(stateDir);
        }
        return 0;
    }

    /**
     * The engine's configuration from the same sources (rules file, limits, TTLs), its state in {@code stateDir}. The
     * backfill runs every partition's records through one task, so the per-task series limits are multiplied by the
     * {@code partitions} of the events topic: the series the live tasks could keep between them.
     */
    private StreamsAppConfig engineConfig(Path stateDir, int partitions) {
        Map<String, String> raw = new LinkedHashMap<>(ServiceConfigs.sliceFor(range.config.load(Map.of()), ServiceConfigs.streamsSettings()));
        StreamsAppConfig live = StreamsAppConfig.from(withRequired(new LinkedHashMap<>(raw), stateDir));
        for (Setting<Integer> limit : List.of(StreamsAppConfig.SERIES_LIMIT_PER_TASK, StreamsAppConfig.SERIES_LIMIT_PER_METRIC)) {
            long total = (long) live.settings().get(limit) * Math.max(1, partitions);
            raw.put(limit.name(), String.valueOf(Math.min(Integer.MAX_VALUE, total)));
        }
        return StreamsAppConfig.from(withRequired(raw, stateDir)).withRedriven(includeRedriven);
    }

    private Map<String, String> withRequired(Map<String, String> raw, Path stateDir) {
        raw.putIfAbsent(CommonSettings.BOOTSTRAP_SERVERS.name(), range.bootstrapServers == null ? "localhost:9092" : range.bootstrapServers);
        raw.put(StreamsAppConfig.APPLICATION_ID.name(), "mayfly-backfill");
        raw.put(StreamsAppConfig.STATE_DIR.name(), stateDir.toString());
        raw.put(StreamsAppConfig.PUBLISH_INTERVAL.name(), "0s");
        return raw;
    }

    private OutputStream open() throws IOException {
        return CommandOutput.open(out);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
