package dev.mayfly.launcher;

import dev.mayfly.kafka.EmbeddedKafka;
import dev.mayfly.launcher.internal.ServiceHost;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Runs only the embedded single-node Kafka broker (KRaft) and creates Mayfly's topics, "
                + "for running the services as separate processes without a Kafka cluster.")
final class BrokerCommand implements Callable<Integer> {
    @Mixin
    BrokerOptions broker;

    @Override
    public Integer call() throws Exception {
        broker.validate();
        ServiceHost host = new ServiceHost().closeOnShutdown();
        EmbeddedKafka kafka = broker.start(host);
        System.out.println("Kafka broker listening on " + kafka.bootstrapServers() + " (data in "
                + broker.dataDir.toAbsolutePath().normalize() + ")");
        System.out.flush();
        host.awaitShutdown();
        return 0;
    }
}
