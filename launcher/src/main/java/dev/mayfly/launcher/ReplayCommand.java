package dev.mayfly.launcher;

import dev.mayfly.launcher.internal.ServiceConfigs;
import dev.mayfly.launcher.internal.replay.ReplayCompletion;
import dev.mayfly.launcher.internal.replay.ReplayNames;
import dev.mayfly.launcher.internal.replay.ReplaySummary;
import dev.mayfly.launcher.internal.replay.ReplayTopics;
import dev.mayfly.launcher.internal.topics.PartitionRange;
import dev.mayfly.launcher.internal.topics.ProgressFormat;
import dev.mayfly.launcher.internal.topics.ProgressReporter;
import dev.mayfly.launcher.internal.topics.RangeConsumers;
import dev.mayfly.launcher.internal.topics.RangeException;
import dev.mayfly.launcher.internal.topics.TopicRange;
import dev.mayfly.schemas.TopicSetup;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Settings;
import dev.mayfly.streams.MetricsTopology;
import dev.mayfly.streams.StreamsApp;
import dev.mayfly.streams.StreamsAppConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Reprocesses a range of the events topic with the real aggregation engine into a fresh aggregates "
                + "topic, mayfly-aggregates-NAME (optionally with other rules), then stops and says what it produced. "
                + "See docs/data-teams.md.")
final class ReplayCommand implements java.util.concurrent.Callable<Integer> {
    /** Keys the replay derives from --name: taking them from the configuration would write into the live pipeline. */
    static final List<String> DERIVED_KEYS = List.of(StreamsAppConfig.APPLICATION_ID.name(), CommonSettings.AGGREGATES_TOPIC.name(),
            CommonSettings.DEAD_LETTER_TOPIC.name(), StreamsAppConfig.STATE_DIR.name(), StreamsAppConfig.INSTANCE_ID.name());
    /** How often a replay publishes its pipeline counters: the wait for the last publication after the range is done. */
    static final Duration SELF_METRICS_INTERVAL = Duration.ofSeconds(1);
    private static final Duration STALL_TIMEOUT = Duration.ofMinutes(2);

    @Option(names = "--name", required = true, paramLabel = "NAME",
            description = "Names the replay: application id mayfly-replay-NAME, topics mayfly-aggregates-NAME and mayfly-dead-letter-NAME.")
    String name;

    @Mixin
    RangeOptions range;

    @Option(names = "--rules", paramLabel = "FILE", description = "Aggregation rules for the replay (default: the configured rules.file).")
    Path rules;

    @Option(names = "--include-redriven", description = "Count the records mayfly redrive published as well (by default "
            + "they are left out: the replay meets their originals and judges them by its own settings).")
    boolean includeRedriven;

    @Option(names = "--force", description = "Delete an earlier replay of the same name (its topics and consumer group) and replay again.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        RangeConsumers.quietKafkaLogs();
        ReplayNames names = ReplayNames.of(name);
        Instant[] times = range.times(Instant.now());
        Settings settings = range.settings();
        Map<String, String> streamsRaw = streamsSettings(names, range.raw(), settings);
        StreamsAppConfig.from(streamsRaw); // every key and the rules file checked before anything connects
        String eventsTopic = settings.get(CommonSettings.EVENTS_TOPIC);
        TopicRange offsets;
        try (KafkaConsumer<byte[], byte[]> consumer = RangeConsumers.create(settings, "mayfly-replay")) {
            offsets = TopicRange.resolve(consumer, settings.get(CommonSettings.BOOTSTRAP_SERVERS), eventsTopic,
                    times[0], times[1], RangeConsumers.TIMEOUT);
        }
        if (offsets.size() == 0) {
            throw new RangeException("the range holds no records of " + eventsTopic + ": nothing to replay");
        }
        Map<String, Object> adminProps = new HashMap<>(settings.withPrefix(CommonSettings.KAFKA_PREFIX));
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.get(CommonSettings.BOOTSTRAP_SERVERS));
        Path stateDir = Files.createTempDirectory("mayfly-replay-" + names.name() + "-");
        try (Admin admin = Admin.create(adminProps)) {
            ReplayTopics topics = new ReplayTopics(admin, RangeConsumers.TIMEOUT);
            TopicDescription events = topics.describe(eventsTopic);
            short replicas = (short) events.partitions().get(0).replicas().size();
            streamsRaw.put(StreamsAppConfig.STATE_DIR.name(), stateDir.toString());
            streamsRaw.putIfAbsent(CommonSettings.KAFKA_PREFIX + StreamsConfig.REPLICATION_FACTOR_CONFIG, String.valueOf(replicas));
            streamsRaw.putIfAbsent(CommonSettings.KAFKA_PREFIX + StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG),
                    String.valueOf(TopicSetup.defaultMinInsyncReplicas(replicas)));
            StreamsAppConfig config = StreamsAppConfig.from(streamsRaw).withInputEnd(ends(offsets)).withRedriven(includeRedriven);
            Set<String> internalTopics = names.internalTopics(MetricsTopology.build(config));
            List<String> earlier = topics.existing(names, internalTopics);
            if (!earlier.isEmpty() && !force) {
                throw new RangeException("replay '" + name + "' already exists (" + String.join(", ", earlier)
                        + "); choose another --name, or add --force to delete it and replay again");
            }
            topics.delete(names, internalTopics, false);
            System.err.println("replaying " + ProgressFormat.count(offsets.size(), "offset", "offsets") + " of " + eventsTopic
                    + " into " + names.aggregatesTopic() + " (application id " + names.applicationId() + ")");
            ProgressReporter progress = ProgressReporter.onStderr(offsets.size(), false);
            boolean replayed = false;
            try {
                topics.create(names, eventsTopic, events.partitions().size(), replicas);
                topics.startAt(names.applicationId(), offsets);
                run(config, offsets, progress, topics, names);
                replayed = true;
            } finally {
                topics.delete(names, internalTopics, replayed); // a partial replay is removed whole
            }
            ReplaySummary summary = ReplaySummary.read(settings, names.aggregatesTopic(),
                    MayflyCodecs.aggregates(CommonSettings.registry(settings), names.aggregatesTopic()));
            progress.finish(String.format(Locale.ROOT, "replay '%s': %s; in %.1f s", name,
                    summary.describe(names.aggregatesTopic(), names.deadLetterTopic()), progress.elapsedSeconds()));
        } finally {
            deleteTree(stateDir);
        }
        return 0;
    }

    private static void run(StreamsAppConfig config, TopicRange offsets, ProgressReporter progress, ReplayTopics topics,
                            ReplayNames names) throws InterruptedException {
        StreamsApp app = StreamsApp.create(config);
        // interrupted (Ctrl-C, SIGTERM): leave the group at once, so that --force can replace the replay right away
        Thread onSignal = new Thread(app::close, "mayfly-replay-shutdown");
        Runtime.getRuntime().addShutdownHook(onSignal);
        try {
            app.start();
            new ReplayCompletion(topics, names, app::isHealthy, STALL_TIMEOUT)
                    .await(offsets, progress, SELF_METRICS_INTERVAL.multipliedBy(2));
        } finally {
            app.close();
            try {
                Runtime.getRuntime().removeShutdownHook(onSignal);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or ran: nothing to remove
            }
        }
    }

    /** The streams app's keys from {@code raw}, with the replay's names and the settings a replay needs. */
    Map<String, String> streamsSettings(ReplayNames names, Map<String, String> raw, Settings common) {
        for (String key : DERIVED_KEYS) {
            if (range.config.sets.containsKey(key)) {
                throw new ConfigException("--set " + key + " cannot be used with replay: the replay sets it (its names come from --name)");
            }
        }
        String liveAppId = raw.getOrDefault(StreamsAppConfig.APPLICATION_ID.name(), StreamsAppConfig.APPLICATION_ID.defaultValue());
        for (String live : List.of(common.get(CommonSettings.EVENTS_TOPIC), common.get(CommonSettings.AGGREGATES_TOPIC),
                common.get(CommonSettings.DEAD_LETTER_TOPIC), liveAppId)) {
            if (live.equals(names.aggregatesTopic()) || live.equals(names.deadLetterTopic()) || live.equals(names.applicationId())) {
                throw new ConfigException("--name '" + name + "' gives the replay a name the live pipeline uses (" + live + ")");
            }
        }
        Map<String, String> out = new HashMap<>(ServiceConfigs.sliceFor(raw, ServiceConfigs.streamsSettings()));
        DERIVED_KEYS.forEach(out::remove);
        out.put(StreamsAppConfig.APPLICATION_ID.name(), names.applicationId());
        out.put(CommonSettings.AGGREGATES_TOPIC.name(), names.aggregatesTopic());
        out.put(CommonSettings.DEAD_LETTER_TOPIC.name(), names.deadLetterTopic());
        // every series change is published in the transaction of the input it came from, so committed offsets say
        // when the output is complete; the final table is the same as with the live pipeline's pacing
        out.put(StreamsAppConfig.PUBLISH_INTERVAL.name(), "0ms");
        out.put(StreamsAppConfig.SELF_METRICS_INTERVAL.name(), SELF_METRICS_INTERVAL.toMillis() + "ms");
        if (rules != null) {
            if (!Files.isRegularFile(rules)) {
                throw new ConfigException("--rules " + rules + ": no such file");
            }
            out.put(StreamsAppConfig.RULES_FILE.name(), rules.toString());
        }
        return out;
    }

    private static Map<Integer, Long> ends(TopicRange offsets) {
        Map<Integer, Long> out = new HashMap<>();
        for (PartitionRange p : offsets.partitions()) {
            out.put(p.partition().partition(), p.end());
        }
        return out;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
