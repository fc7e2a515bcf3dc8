package dev.mayfly.launcher;

import dev.mayfly.launcher.internal.Service;
import dev.mayfly.launcher.internal.ServiceConfigs;
import dev.mayfly.schemas.TopicSetup;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.Settings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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

    @Option(names = "--replication-factor", paramLabel = "N", defaultValue = "3", description = "Replication factor of topics it creates when missing (default: ${DEFAULT-VALUE}).")
    short replicationFactor;

    @Override
    Supplier<Service> build(Map<String, String> raw) {
        return ServiceConfigs.streams(raw);
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
                    s.get(CommonSettings.DEAD_LETTER_TOPIC), partitions, replicationFactor);
        }
    }
}
