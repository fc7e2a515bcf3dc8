package dev.mayfly.system;

import dev.mayfly.schemas.Topics;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Mayfly on a 3-broker KRaft cluster with the production settings the README states (replication factor 3,
 * min.insync.replicas=2, acks=all, exactly_once_v2), every part a separate OS process: three brokers, two streams
 * instances, two exporter replicas, one gateway, and a real Prometheus scraping both replicas. While the
 * {@link Generator} pushes through the gateway (Idempotency-Key, retried until 2xx) and flushes the producer library,
 * the leader of an events partition is SIGKILLed, then one streams instance (its tasks move to the other) which is
 * then restarted, then the broker comes back. Afterwards both replicas serve exactly the acknowledged truth, the same
 * values, and Prometheus saw no counter reset on either. Repeat with {@code -Dmayfly.clusterRuns=2}.
 */
class ClusterFaultIT {
    private static final String APPLICATION_ID = "mayfly-streams";
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(5); // generous: 2 shared cores can be very busy
    /** Acknowledged rounds the generator must complete in each fault's aftermath, so every fault happens under load. */
    private static final int ROUNDS_PER_STEP = 15;

    private long runStarted;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps every process's log
    Path dir;

    @Test
    void countsStayExactOnAClusterThroughALeaderCrashAndAStreamsCrash() throws Exception {
        if (System.getenv("CI") == null) {
            assumeTrue(PrometheusServer.isInstalled(), "prometheus is not installed");
        }
        int runs = Integer.getInteger("mayfly.clusterRuns", 1);
        for (int run = 1; run <= runs; run++) {
            long started = System.nanoTime();
            oneRun(Files.createDirectories(dir.resolve("run-" + run)));
            System.out.printf("cluster fault run %d took %.0f s%n", run, (System.nanoTime() - started) / 1e9);
        }
    }

    private void oneRun(Path runDir) throws Exception {
        runStarted = System.nanoTime();
        List<MayflyProcess> services = new ArrayList<>();
        try (BrokerCluster cluster = BrokerCluster.start(runDir, 3)) {
            String bootstrap = cluster.bootstrap();
            step("3 brokers started");
            int[] streamsPorts = {Ports.free(), Ports.free()};
            int[] exporterPorts = {Ports.free(), Ports.free()};
            int gatewayPort = Ports.free();
            MayflyProcess[] streams = {streams(runDir, bootstrap, 1, streamsPorts[0]).start(), streams(runDir, bootstrap, 2, streamsPorts[1]).start()};
            services.addAll(List.of(streams));
            for (int i = 0; i < 2; i++) {
                services.add(service(runDir, "exporter-" + (i + 1), "exporter", bootstrap, exporterPorts[i]).start());
            }
            services.add(service(runDir, "gateway", "gateway", bootstrap, gatewayPort).start());
            List<String> exporterTargets = List.of("127.0.0.1:" + exporterPorts[0], "127.0.0.1:" + exporterPorts[1]);
            try (PrometheusServer prometheus = PrometheusServer.scraping(exporterTargets, Files.createDirectories(runDir.resolve("prometheus")))) {
                for (int i = 0; i < 2; i++) {
                    streams[i].awaitOutput("Mayfly streams listening", STEP_TIMEOUT); // printed once it created the topics
                    MetricsText.awaitStatus("http://localhost:" + streamsPorts[i] + "/-/ready", 200, STEP_TIMEOUT);
                }
                for (int port : exporterPorts) {
                    MetricsText.awaitStatus("http://localhost:" + port + "/-/ready", 200, STEP_TIMEOUT);
                }
                MetricsText.awaitStatus("http://localhost:" + gatewayPort + "/-/ready", 200, STEP_TIMEOUT);
                awaitStableGroup(cluster, 2);
                assertProductionReplication(cluster);
                step("services ready");

                Truth truth = new Truth();
                Generator generator = new Generator(bootstrap, "http://localhost:" + gatewayPort, truth);
                Thread generatorThread = new Thread(generator, "generator");
                generatorThread.start();
                awaitRounds(generator, ROUNDS_PER_STEP);

                // the leader of an events partition crashes: another replica, in sync thanks to acks=all, takes over
                int leader = cluster.leaderOf(Topics.EVENTS, 0);
                cluster.kill(leader);
                int newLeader = cluster.awaitNewLeader(Topics.EVENTS, 0, leader, STEP_TIMEOUT);
                step("killed broker " + leader + ", the leader of " + Topics.EVENTS + "-0; broker " + newLeader + " leads it now");
                awaitRounds(generator, ROUNDS_PER_STEP);

                // a streams instance crashes: once the group notices, its tasks move to the other instance
                streams[0].kill();
                awaitStableGroup(cluster, 1);
                step("killed streams-1; its tasks moved to streams-2");
                awaitRounds(generator, ROUNDS_PER_STEP);
                streams[0] = streams(runDir, bootstrap, 1, streamsPorts[0]).start();
                services.add(streams[0]);
                MetricsText.awaitStatus("http://localhost:" + streamsPorts[0] + "/-/ready", 200, STEP_TIMEOUT);
                awaitStableGroup(cluster, 2);
                step("streams-1 restarted and back in the group");
                awaitRounds(generator, ROUNDS_PER_STEP);

                // the crashed broker comes back and catches up
                cluster.restart(leader);
                step("broker " + leader + " restarted");
                awaitRounds(generator, ROUNDS_PER_STEP);

                generator.stop();
                generatorThread.join(STEP_TIMEOUT.toMillis());
                assertThat(generator.failure).as("generator failure").isNull();
                assertThat(generator.retriesSent.get()).as("deliberate re-sends").isGreaterThan(10);
                step("generator stopped after " + generator.rounds.get() + " acknowledged rounds");

                Map<String, Double> first = FaultChecks.assertServesExactlyTheTruth("http://localhost:" + exporterPorts[0] + "/metrics", truth, STEP_TIMEOUT);
                Map<String, Double> second = FaultChecks.assertServesExactlyTheTruth("http://localhost:" + exporterPorts[1] + "/metrics", truth, STEP_TIMEOUT);
                assertThat(second).as("the two exporter replicas serve the same values").isEqualTo(first);
                step("both exporter replicas serve the truth");
                FaultChecks.assertPrometheusSawNoReset(prometheus, truth, exporterTargets.size());
                FaultChecks.assertDeadLettersAreThePoison(bootstrap, generator);
                // the gateway and the streams apps run no exporter: each serves its own process's metrics
                Map<String, Double> gatewayOwn = MetricsText.scrape("http://localhost:" + gatewayPort + "/metrics");
                assertThat(gatewayOwn).as("the gateway's own /metrics").isNotNull();
                assertThat(gatewayOwn.get("mayfly_gateway_pushes_total{api=\"pushgateway\",operation=\"record\"}"))
                        .as("pushes it acknowledged").isPositive();
                assertThat(MetricsText.scrape("http://localhost:" + streamsPorts[1] + "/metrics")).as("a streams app's own /metrics")
                        .containsKey("jvm_threads_current");
            }
        } finally {
            for (MayflyProcess p : services) {
                p.close();
            }
        }
    }

    /** A progress line with the time since the run started, to see where a slow run spends it (nothing asserts on it). */
    private void step(String what) {
        System.out.printf("[cluster fault] %4.0f s  %s%n", (System.nanoTime() - runStarted) / 1e9, what);
    }

    /** Mayfly's topics and Kafka Streams' internal ones: 3 replicas, min.insync.replicas=2; Kafka's own logs: 3 replicas. */
    private static void assertProductionReplication(BrokerCluster cluster) throws Exception {
        List<String> topics = new ArrayList<>(List.of(Topics.EVENTS, Topics.AGGREGATES, Topics.DEAD_LETTER));
        List<String> internal = cluster.topics().stream().filter(t -> t.startsWith(APPLICATION_ID + "-")).toList();
        assertThat(internal).as("Kafka Streams' changelog topics").isNotEmpty();
        topics.addAll(internal);
        for (String topic : topics) {
            assertThat(cluster.replicaCounts(topic)).as("replicas per partition of %s", topic).isNotEmpty().allMatch(n -> n == 3);
            assertThat(cluster.minInsyncReplicas(topic)).as("min.insync.replicas of %s", topic).isEqualTo("2");
        }
        for (String topic : List.of("__transaction_state", "__consumer_offsets")) {
            assertThat(cluster.replicaCounts(topic)).as("replicas per partition of %s", topic).allMatch(n -> n == 3);
            assertThat(cluster.minInsyncReplicas(topic)).as("min.insync.replicas of %s", topic).isEqualTo("2");
        }
    }

    private static MayflyProcess streams(Path runDir, String bootstrap, int instance, int httpPort) {
        return new MayflyProcess("streams-" + instance, runDir, "streams", "--bootstrap-servers", bootstrap,
                "--http-port", String.valueOf(httpPort), "--bind", "127.0.0.1", "--replication-factor", "3",
                "--set", "state.dir=" + runDir.resolve("streams-state-" + instance),
                // a crashed member's tasks move once the group stops hearing from it: 15 s instead of the default 45 s
                "--set", "kafka.session.timeout.ms=15000").lean("384m");
    }

    private static MayflyProcess service(Path runDir, String name, String command, String bootstrap, int httpPort) {
        return new MayflyProcess(name, runDir, command, "--bootstrap-servers", bootstrap,
                "--http-port", String.valueOf(httpPort), "--bind", "127.0.0.1").lean("256m");
    }

    /** Waits until the generator has completed {@code more} further rounds, each acknowledged by Mayfly. */
    private static void awaitRounds(Generator generator, int more) throws InterruptedException {
        int target = generator.rounds.get() + more;
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        while (generator.rounds.get() < target) {
            assertThat(generator.failure).as("generator failure").isNull();
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the generator completed " + generator.rounds.get() + " of " + target + " rounds within " + STEP_TIMEOUT);
            }
            Thread.sleep(100);
        }
    }

    /**
     * Waits until the streams application's consumer group is stable with exactly {@code members} members: every task
     * is assigned among them (and the internal topics exist).
     */
    private static void awaitStableGroup(BrokerCluster cluster, int members) throws Exception {
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                ConsumerGroupDescription group = cluster.admin().describeConsumerGroups(List.of(APPLICATION_ID)).all().get().get(APPLICATION_ID);
                last = group.groupState() + " with " + group.members().size() + " members";
                if (group.groupState() == GroupState.STABLE && group.members().size() == members) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    throw e;
                }
                last = "not there yet";
            }
            Thread.sleep(500);
        }
        throw new AssertionError("group " + APPLICATION_ID + " is " + last + ", not stable with " + members + ", after " + STEP_TIMEOUT);
    }
}
