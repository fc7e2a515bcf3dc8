package dev.mayfly.kafka;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.utils.Time;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import javax.management.ObjectName;

/**
 * A real Kafka broker (KRaft, broker and controller in one) running in this JVM through Kafka's own server code path:
 * a single-node cluster ({@link #on}) or one node of a cluster whose every node is also a controller voter
 * ({@link #clusterNode}). Its log directory is formatted on first start and reused afterwards, so data survives a
 * restart on the same directory. Every internal topic (offsets, transactions, share coordinator), and every topic
 * created without its own settings, gets {@link #internalReplicationFactor(int) min(3, nodes)} replicas and a min ISR
 * of {@link #internalMinIsr(int) min(2, replicas)}: exactly-once Kafka Streams cannot start without a transaction log
 * it can replicate.
 *
 * <p>Not thread-safe: start and close from one thread.
 */
public final class EmbeddedKafka implements AutoCloseable {
    /** Written by the broker in its log directory when it stops cleanly, deleted when it starts. */
    private static final String CLEAN_SHUTDOWN_FILE = ".kafka_cleanshutdown";
    private final Path dataDir;
    private final int port;
    private final int nodeId;
    private final QuorumVoters voters;
    private final Properties overrides;
    private int securePort = -1;
    private String secureProtocol;
    private KafkaRaftServer server;

    private EmbeddedKafka(Path dataDir, int port, int nodeId, QuorumVoters voters, Properties overrides) {
        this.dataDir = dataDir;
        this.port = port;
        this.nodeId = nodeId;
        this.voters = voters;
        this.overrides = overrides;
    }

    /** A broker with its data under {@code dataDir}, listening on {@code port} (0 picks a free one). */
    public static EmbeddedKafka on(Path dataDir, int port) {
        return on(dataDir, port, new Properties());
    }

    /** As {@link #on(Path, int)}, with extra broker properties. */
    public static EmbeddedKafka on(Path dataDir, int port, Properties overrides) {
        int brokerPort = port == 0 ? freePort() : port;
        return new EmbeddedKafka(dataDir, brokerPort, 1, QuorumVoters.parse("1@localhost:" + freePort()), overrides);
    }

    /**
     * Node {@code nodeId} of a cluster whose controller quorum is {@code voters} ({@code id@host:port,...}, the same
     * string on every node): it listens for clients and other brokers on {@code port} (0 picks a free one) of its own
     * voter host, for the quorum on its voter port. Every node given the same voters formats its log directory with
     * the same cluster id.
     *
     * @throws IllegalArgumentException if {@code voters} is malformed or does not name {@code nodeId}
     */
    public static EmbeddedKafka clusterNode(Path dataDir, int port, int nodeId, String voters) {
        QuorumVoters quorum = QuorumVoters.parse(voters);
        quorum.voter(nodeId);
        return new EmbeddedKafka(dataDir, port == 0 ? freePort() : port, nodeId, quorum, new Properties());
    }

    /**
     * Adds a listener for clients on {@code port} (0 picks a free one) speaking {@code securityProtocol}
     * ({@code SSL} or {@code SASL_SSL}); brokers and controllers keep talking plaintext among themselves. Its keys
     * and mechanisms come from the broker properties given to {@link #on(Path, int, Properties)}
     * ({@code ssl.keystore.*}, {@code ssl.truststore.*}, {@code ssl.client.auth}, {@code sasl.enabled.mechanisms},
     * {@code listener.name.sasl_ssl.*}). Call before {@link #start()}.
     */
    public EmbeddedKafka withSecureListener(String securityProtocol, int port) {
        if (!securityProtocol.equals("SSL") && !securityProtocol.equals("SASL_SSL")) {
            throw new IllegalArgumentException("a secure listener speaks SSL or SASL_SSL, not " + securityProtocol);
        }
        this.secureProtocol = securityProtocol;
        this.securePort = port == 0 ? freePort() : port;
        return this;
    }

    /** Replicas of each internal topic in a cluster of {@code nodes} nodes. */
    private static int internalReplicationFactor(int nodes) {
        return Math.min(3, nodes);
    }

    /** min.insync.replicas of each internal topic in a cluster of {@code nodes} nodes. */
    private static int internalMinIsr(int nodes) {
        return Math.min(2, internalReplicationFactor(nodes));
    }

    public synchronized EmbeddedKafka start() {
        if (server != null) {
            return this;
        }
        try {
            Path logDir = dataDir.resolve("kafka-logs");
            Files.createDirectories(logDir);
            Properties props = brokerProperties(logDir);
            Path propsFile = dataDir.resolve("server.properties");
            try (var out = Files.newOutputStream(propsFile)) {
                props.store(out, "Mayfly embedded broker");
            }
            boolean formatted = Files.exists(logDir.resolve("meta.properties"));
            if (formatted && voters.size() == 1 && !Files.exists(logDir.resolve(CLEAN_SHUTDOWN_FILE))) {
                fencePreviousIncarnation(props);
            }
            if (!formatted) {
                String clusterId = voters.clusterId().toString();
                int rc = kafka.tools.StorageTool.execute(
                        new String[]{"format", "-t", clusterId, "-c", propsFile.toString()},
                        new PrintStream(OutputStream.nullOutputStream()));
                if (rc != 0) {
                    throw new IllegalStateException("formatting the Kafka log directory " + logDir + " failed (exit " + rc + ")");
                }
            }
            server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            if (voters.size() == 1) {
                awaitEveryPartitionLed();
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Kafka data directory " + dataDir, e);
        }
    }

    /**
     * After a crash (no clean-shutdown file), a single node first runs as a controller alone until its own controller
     * has fenced the broker that crashed, then stops. Without this, the restarted broker acts on the crashed one's view
     * (it still leads every partition) before it can register again; its transaction coordinator then resends the
     * markers of every transaction the crash left half-completed (PrepareCommit, PrepareAbort) while its broker
     * listener is still closed, and re-registering after an unclean shutdown leaves every partition without a leader
     * for a moment. Kafka's coordinator skips the markers of partitions without a leader as deleted and completes the
     * transaction anyway: those partitions keep an open transaction for good, and every read_committed reader (the
     * streams app's own consumer, the exporter) stops there. Fenced first, the restarted broker leads nothing until it
     * has registered and been unfenced, so its coordinator starts only once every partition has its leader.
     */
    private void fencePreviousIncarnation(Properties brokerProps) {
        QuorumVoters.Voter self = voters.voter(nodeId);
        Properties props = new Properties();
        props.putAll(brokerProps);
        props.put("process.roles", "controller");
        props.put("listeners", "CONTROLLER://" + self.host() + ":" + self.port());
        props.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT");
        for (String brokerOnly : List.of("advertised.listeners", "inter.broker.listener.name")) {
            props.remove(brokerOnly);
        }
        KafkaRaftServer controller = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        controller.startup();
        try {
            // the controller's own gauges: active once it has loaded the log; the crashed broker counts as active until
            // its session (broker.session.timeout.ms) expires, then as fenced; a crash before it registered leaves none
            long deadline = System.nanoTime() + 60_000_000_000L;
            long activeSince = 0;
            while (System.nanoTime() < deadline) {
                if (controllerGauge("ActiveControllerCount") == 1) {
                    activeSince = activeSince == 0 ? System.nanoTime() : activeSince;
                    boolean fenced = controllerGauge("ActiveBrokerCount") == 0 && controllerGauge("FencedBrokerCount") > 0;
                    boolean noBroker = controllerGauge("ActiveBrokerCount") == 0 && controllerGauge("FencedBrokerCount") == 0
                            && System.nanoTime() - activeSince > 5_000_000_000L;
                    if (fenced || noBroker) {
                        return;
                    }
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("the Kafka controller did not fence the crashed broker within 60 s of its start");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the Kafka controller fenced the crashed broker", e);
        } finally {
            controller.shutdown();
            controller.awaitShutdown();
        }
    }

    /** A gauge the controller running in this JVM publishes ({@code kafka.controller:type=KafkaController}), -1 if absent. */
    private static long controllerGauge(String name) {
        try {
            Object value = ManagementFactory.getPlatformMBeanServer().getAttribute(
                    new ObjectName("kafka.controller:type=KafkaController,name=" + name), "Value");
            return ((Number) value).longValue();
        } catch (javax.management.InstanceNotFoundException e) {
            return -1;
        } catch (javax.management.JMException e) {
            throw new IllegalStateException("cannot read the Kafka controller's " + name + ": " + e, e);
        }
    }

    /**
     * Waits (at most 60 s) until every partition, internal ones included, has a leader: {@link KafkaRaftServer#startup()}
     * can return before the restarted broker has registered and been unfenced, and clients started then would see
     * partitions without a leader.
     */
    private void awaitEveryPartitionLed() {
        long deadline = System.nanoTime() + 60_000_000_000L;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            while (System.nanoTime() < deadline) {
                var names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
                Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get();
                boolean led = topics.values().stream().flatMap(t -> t.partitions().stream())
                        .allMatch(partition -> partition.leader() != null && !partition.leader().isEmpty());
                if (led) {
                    return;
                }
                Thread.sleep(100);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("the Kafka broker did not answer after its start: " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the Kafka broker's partitions", e);
        }
        throw new IllegalStateException("the Kafka broker's partitions still had no leader 60 s after its start");
    }

    public String bootstrapServers() {
        return host() + ":" + port;
    }

    /** The bootstrap address of the listener added by {@link #withSecureListener(String, int)}. */
    public String secureBootstrapServers() {
        if (securePort < 0) {
            throw new IllegalStateException("this broker has no secure listener");
        }
        return host() + ":" + securePort;
    }

    private String host() {
        return voters.voter(nodeId).host();
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    private Properties brokerProperties(Path logDir) {
        Properties p = new Properties();
        QuorumVoters.Voter self = voters.voter(nodeId);
        String replicas = String.valueOf(internalReplicationFactor(voters.size()));
        String minIsr = String.valueOf(internalMinIsr(voters.size()));
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(nodeId));
        p.put("controller.quorum.voters", voters.toString());
        String secure = securePort < 0 ? "" : "," + secureProtocol + "://" + self.host() + ":" + securePort;
        p.put("listeners", "PLAINTEXT://" + self.host() + ":" + port + secure + ",CONTROLLER://" + self.host() + ":" + self.port());
        p.put("advertised.listeners", "PLAINTEXT://" + self.host() + ":" + port + secure);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT" + (secure.isEmpty() ? "" : "," + secureProtocol + ":" + secureProtocol));
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "1");
        p.put("default.replication.factor", replicas);
        p.put("min.insync.replicas", minIsr); // the default of every topic without its own, __consumer_offsets among them
        p.put("offsets.topic.replication.factor", replicas);
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", replicas);
        p.put("transaction.state.log.min.isr", minIsr);
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", replicas);
        p.put("share.coordinator.state.topic.min.isr", minIsr);
        p.put("group.initial.rebalance.delay.ms", "0");
        // The transaction coordinator's abort of timed-out transactions stays at Kafka's 10 s interval. A writer that
        // comes back as itself (same transactional.id: the streams app keeps its process id in its state directory)
        // fences its open transaction at once; one that does not is aborted within transaction.timeout.ms + 10 s.
        if (voters.size() == 1) {
            // After kill -9 the controller fences the crashed broker only once its session expires; start() waits for
            // that before the broker starts again (fencePreviousIncarnation), so a short session shortens a restart.
            p.put("broker.heartbeat.interval.ms", "500");
            p.put("broker.session.timeout.ms", "3000");
        }
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        p.put("auto.create.topics.enable", "false");
        p.putAll(overrides);
        return p;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
