package dev.mayfly.system;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A Kafka cluster of {@code mayfly broker} processes on loopback, node ids 1..n, every node a broker and a controller
 * voter. A node can be SIGKILLed and restarted on its data directory; an {@link Admin} client sees the cluster.
 */
final class BrokerCluster implements AutoCloseable {
    private final Path dir;
    private final int[] kafkaPorts;
    private final String voters;
    private final MayflyProcess[] nodes;
    private final Admin admin;

    private BrokerCluster(Path dir, int size) {
        this.dir = dir;
        this.kafkaPorts = IntStream.range(0, size).map(i -> Ports.free()).toArray();
        this.voters = IntStream.rangeClosed(1, size).mapToObj(id -> id + "@localhost:" + Ports.free()).collect(Collectors.joining(","));
        this.nodes = new MayflyProcess[size];
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
    }

    /** Starts {@code size} nodes at once (a quorum forms only when a majority runs) and waits until each has started. */
    static BrokerCluster start(Path dir, int size) throws Exception {
        BrokerCluster cluster = new BrokerCluster(dir, size);
        try {
            for (int id = 1; id <= size; id++) {
                cluster.nodes[id - 1] = cluster.node(id).start();
            }
            for (MayflyProcess node : cluster.nodes) {
                node.awaitOutput("Kafka broker listening", Duration.ofMinutes(5));
            }
            return cluster;
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
    }

    String bootstrap() {
        return IntStream.of(kafkaPorts).mapToObj(p -> "localhost:" + p).collect(Collectors.joining(","));
    }

    Admin admin() {
        return admin;
    }

    /** SIGKILL of node {@code id}: no shutdown, no leadership handover. */
    void kill(int id) throws InterruptedException {
        nodes[id - 1].kill();
    }

    /** Starts node {@code id} again on its data directory and waits until it has started. */
    void restart(int id) throws Exception {
        nodes[id - 1] = node(id).start().awaitOutput("Kafka broker listening", Duration.ofMinutes(5));
    }

    /** The node id of the partition's leader, or -1 while it has none. */
    int leaderOf(String topic, int partition) throws Exception {
        Node leader = describe(topic).partitions().get(partition).leader();
        return leader == null ? -1 : leader.id();
    }

    /** Waits until the partition has a leader other than {@code formerLeader}; returns it. */
    int awaitNewLeader(String topic, int partition, int formerLeader, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int leader = formerLeader;
        while (System.nanoTime() < deadline) {
            leader = leaderOf(topic, partition);
            if (leader != formerLeader && leader != -1) {
                return leader;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(topic + "-" + partition + " still led by " + leader + " after " + timeout);
    }

    /** Replicas per partition of {@code topic}, one entry per partition. */
    List<Integer> replicaCounts(String topic) throws Exception {
        return describe(topic).partitions().stream().map(TopicPartitionInfo::replicas).map(List::size).toList();
    }

    String minInsyncReplicas(String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        return config.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value();
    }

    /** Every topic name in the cluster, internal ones included. */
    Set<String> topics() throws Exception {
        return admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
    }

    private TopicDescription describe(String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    }

    private MayflyProcess node(int id) {
        return new MayflyProcess("broker-" + id, dir, "broker", "--data-dir", dir.resolve("broker-" + id).toString(),
                "--kafka-port", String.valueOf(kafkaPorts[id - 1]), "--node-id", String.valueOf(id),
                "--controller-quorum-voters", voters).lean("256m");
    }

    @Override
    public void close() throws InterruptedException {
        admin.close(Duration.ofSeconds(5));
        for (MayflyProcess node : nodes) {
            if (node != null) {
                node.close();
            }
        }
    }
}
