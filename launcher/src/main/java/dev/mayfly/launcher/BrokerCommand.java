package dev.mayfly.launcher;

import dev.mayfly.kafka.EmbeddedKafka;
import dev.mayfly.launcher.internal.ServiceHost;
import dev.mayfly.schemas.TopicSetup;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Runs only the embedded single-node Kafka broker (KRaft) and creates Mayfly's topics, "
                + "for running the services as separate processes without a Kafka cluster.")
final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./mayfly-data", description = "Broker data directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--kafka-port", paramLabel = "PORT", defaultValue = "9092", description = "Broker port (default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "4", description = "Partitions of new topics (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Override
    public Integer call() throws Exception {
        ServiceHost host = new ServiceHost().closeOnShutdown();
        EmbeddedKafka kafka = EmbeddedKafka.on(dataDir.resolve("kafka"), kafkaPort);
        host.own(kafka);
        kafka.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicSetup.ensureDefaults(admin, partitions, (short) 1);
        }
        System.out.println("Kafka broker listening on " + kafka.bootstrapServers() + " (data in " + dataDir.toAbsolutePath().normalize() + ")");
        System.out.flush();
        host.awaitShutdown();
        return 0;
    }
}
