package dev.mayfly.launcher;

import dev.mayfly.exporter.ProcessStatus;
import dev.mayfly.launcher.internal.Service;
import dev.mayfly.launcher.internal.ServiceConfigs;
import dev.mayfly.schemas.TopicSetup;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Settings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

@Command(name = "streams", mixinStandardHelpOptions = true,
        description = "Runs the aggregation engine (Kafka Streams, exactly_once_v2) against a Kafka cluster.")
final class StreamsCommand extends ServiceCommand {
    @Option(names = "--partitions", paramLabel = "N", defaultValue = "4", description = "Partitions of topics it creates when missing (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--replication-factor", paramLabel = "N", defaultValue = "3",
            description = "Replicas of every topic it creates: Mayfly's topics when missing, and Kafka Streams' changelog "
                    + "and repartition topics (default: ${DEFAULT-VALUE}).")
    short replicationFactor;

    @Option(names = "--min-insync-replicas", paramLabel = "N",
            description = "min.insync.replicas of every topic it creates (default: 2, or 1 with one replica).")
    Short minInsyncReplicas;

    /** Kafka Streams' own settings for its internal topics; an explicit kafka.* key wins. */
    private static final String INTERNAL_REPLICATION = CommonSettings.KAFKA_PREFIX + StreamsConfig.REPLICATION_FACTOR_CONFIG;
    private static final String INTERNAL_MIN_ISR = CommonSettings.KAFKA_PREFIX + StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);

    @Override
    Supplier<Service> build(Map<String, String> raw, ProcessStatus process) {
        if (minInsyncReplicas() < 1 || minInsyncReplicas() > replicationFactor) {
            throw new ConfigException("--min-insync-replicas must be between 1 and --replication-factor ("
                    + replicationFactor + "), got " + minInsyncReplicas());
        }
        Map<String, String> withInternalTopics = new HashMap<>(raw);
        withInternalTopics.putIfAbsent(INTERNAL_REPLICATION, String.valueOf(replicationFactor));
        withInternalTopics.putIfAbsent(INTERNAL_MIN_ISR, String.valueOf(minInsyncReplicas()));
        return ServiceConfigs.streams(withInternalTopics);
    }

    private short minInsyncReplicas() {
        return minInsyncReplicas == null ? TopicSetup.defaultMinInsyncReplicas(replicationFactor) : minInsyncReplicas;
    }

    @Override
    int defaultHttpPort() {
        return 9096;
    }

    @Override
    void beforeStart(Map<String, String> raw) {
        Settings s = Settings.parse(ServiceConfigs.sliceFor(raw, CommonSettings.ALL), CommonSettings.ALL, CommonSettings.KAFKA_PREFIX);
        Map<String, Object> admin = new HashMap<>(s.withPrefix(CommonSettings.KAFKA_PREFIX));
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, s.get(CommonSettings.BOOTSTRAP_SERVERS));
        try (Admin client = Admin.create(admin)) {
            TopicSetup.ensure(client, s.get(CommonSettings.EVENTS_TOPIC), s.get(CommonSettings.AGGREGATES_TOPIC),
                    s.get(CommonSettings.DEAD_LETTER_TOPIC), partitions, replicationFactor, minInsyncReplicas(),
                    CommonSettings.eventsRetention(s));
        }
    }
}
