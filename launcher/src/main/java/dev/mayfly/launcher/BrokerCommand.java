package dev.mayfly.launcher;


import dev.mayfly.kafka.EmbeddedKafka;
import dev.mayfly.launcher.internal.ServiceHost;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Runs only the embedded Kafka broker (KRaft, broker and controller in one), for running the "
                + "services as separate processes without a Kafka cluster: a single node that creates Mayfly's topics, "
                + "or, with --controller-quorum-voters, one node of a cluster (topics are then created by 'mayfly streams').")
final class BrokerCommand implements Callable<Integer> {
    @Mixin
    BrokerOptions broker;

    @Option(names = "--node-id", paramLabel = "ID",
            description = "This node's id among the controller quorum voters (with --controller-quorum-voters).")
    Integer nodeId;

    @Option(names = "--controller-quorum-voters", paramLabel = "ID@HOST:PORT[,...]",
            description = "Every node of the cluster with its controller port, the same on each node; this node listens "
                    + "for the quorum on its own entry's port and for clients on --kafka-port of its host. "
                    + "Absent: a single-node cluster.")
    String quorumVoters;

    @Override
    public Integer call() throws Exception {
        broker.validate();
        EmbeddedKafka clusterNode = quorumVoters == null ? null : broker.clusterNode(nodeId, quorumVoters);
        if (clusterNode == null && nodeId != null) {
            throw new ConfigException("--node-id needs --controller-quorum-voters");
        }
        ServiceHost host = new ServiceHost().closeOnShutdown();
        EmbeddedKafka kafka;
        if (clusterNode == null) {
            kafka = broker.start(host, Settings.parse(Map.of(), CommonSettings.ALL)); // the default topic names
        } else {
            host.own(clusterNode);
            kafka = clusterNode.start();
        }
        System.out.println("Kafka broker listening on " + kafka.bootstrapServers() + " (data in "
                + broker.dataDir.toAbsolutePath().normalize() + ")");
        System.out.flush();
        host.awaitShutdown();
        return 0;
    }
}
