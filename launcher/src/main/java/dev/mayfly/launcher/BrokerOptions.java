package dev.mayfly.launcher;

import dev.mayfly.kafka.EmbeddedKafka;
import dev.mayfly.launcher.internal.ServiceHost;
import dev.mayfly.schemas.TopicSetup;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.Settings;
import dev.mayfly.schemas.config.ConfigException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Option;

import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.file.Path;
import java.util.Map;

/** The embedded broker's options, shared by {@code standalone} and {@code broker}, and how it is started. */
final class BrokerOptions {
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./mayfly-data",
            description = "Where the data lives; it survives a restart (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--kafka-port", paramLabel = "PORT", defaultValue = "9092", description = "The embedded broker's port (default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "4", description = "Partitions of new topics (default: ${DEFAULT-VALUE}).")
    int partitions;

    String bootstrapServers() {
        return "localhost:" + kafkaPort;
    }

    /** Rejects option values no broker can use, before anything starts. */
    void validate() {
        if (partitions < 1) {
            throw new ConfigException("--partitions must be at least 1, got " + partitions);
        }
        if (kafkaPort < 1 || kafkaPort > 65535) {
            throw new ConfigException("--kafka-port must be between 1 and 65535, got " + kafkaPort);
        }
    }

    /**
     * Starts the broker (closed with {@code host}) with its data under the data directory, and creates Mayfly's topics
     * under the names {@code common} gives them, the events topic retained for its {@code topic.events.retention}.
     */
    EmbeddedKafka start(ServiceHost host, Settings common) {
        EmbeddedKafka kafka = EmbeddedKafka.on(dataDir.resolve("kafka"), kafkaPort);
        host.own(kafka);
        try {
            kafka.start();
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof BindException bind) { // the broker's own message does not say which port
                    throw new UncheckedIOException(new BindException("Kafka port " + kafkaPort + ": " + bind.getMessage()));
                }
            }
            throw e;
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicSetup.ensure(admin, common.get(CommonSettings.EVENTS_TOPIC), common.get(CommonSettings.AGGREGATES_TOPIC),
                    common.get(CommonSettings.DEAD_LETTER_TOPIC), partitions, (short) 1, (short) 1, CommonSettings.eventsRetention(common));
        }
        return kafka;
    }

    /** Node {@code nodeId} (null: 1) of a cluster, not started yet; it creates no topics. */
    EmbeddedKafka clusterNode(Integer nodeId, String quorumVoters) {
        try {
            return EmbeddedKafka.clusterNode(dataDir.resolve("kafka"), kafkaPort, nodeId == null ? 1 : nodeId, quorumVoters);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }
}
