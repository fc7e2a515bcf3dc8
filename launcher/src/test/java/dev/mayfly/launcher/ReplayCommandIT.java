package dev.mayfly.launcher;

import dev.mayfly.kafka.EmbeddedKafka;
import dev.mayfly.launcher.internal.HttpSettings;
import dev.mayfly.launcher.internal.ServiceConfigs;
import dev.mayfly.launcher.internal.ServiceHost;
import dev.mayfly.schemas.TopicSetup;
import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.MayflyCodecs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mayfly replay} against a real broker: the live pipeline (streams app and gateway, as in a standalone) takes
 * known pushes over HTTP, then replays of the events topic are compared with the live aggregates topic.
 */
@Timeout(600)
class ReplayCommandIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final AvroCodec<Aggregate> AGGREGATES = MayflyCodecs.aggregates(null, Topics.AGGREGATES);
    private static final String PIPELINE = "mayfly_pipeline_";

    @TempDir
    static Path dir;
    private static EmbeddedKafka kafka;
    private static ServiceHost live;
    private static String gateway;
    /** Between the first pushes and the second ones, by record timestamp. */
    private static Instant between;

    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void startAndPush() throws Exception {
        kafka = EmbeddedKafka.on(dir.resolve("kafka"), 0).start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicSetup.ensureDefaults(admin, 2, (short) 1);
        }
        Map<String, String> raw = Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "state.dir", dir.resolve("live-streams").toString());
        live = new ServiceHost();
        live.start(ServiceConfigs.streams(raw).get());
        // without the served-types check, the gateway takes a point of another type for a series, as a client writing
        // events itself would send it: only the engine, which holds the series, refuses it (a dead letter)
        live.start(ServiceConfigs.gateway(Map.of("bootstrap.servers", kafka.bootstrapServers(), "push.served.types.check", "false")).get());
        gateway = "http://127.0.0.1:" + live.serveHttp(HttpSettings.options(Map.of(), "127.0.0.1", 0, null));

        push("/metrics/job/checkout/instance/a1", "checkout-a1", "# TYPE checkout_orders_total counter\n"
                + "checkout_orders_total{region=\"eu\"} 3\ncheckout_orders_total{region=\"us\"} 2\n"
                + "# TYPE checkout_latency_seconds gauge\ncheckout_latency_seconds 0.25\n");
        push("/metrics/job/resize", null, "# TYPE resize_duration_seconds histogram\n"
                + "resize_duration_seconds_bucket{le=\"0.1\"} 1\nresize_duration_seconds_bucket{le=\"1\"} 3\n"
                + "resize_duration_seconds_bucket{le=\"+Inf\"} 4\nresize_duration_seconds_sum 3.5\nresize_duration_seconds_count 4\n");
        String nightly = "# TYPE jobs_done_total counter\njobs_done_total 7\n";
        push("/metrics/job/nightly", "nightly-1", nightly);
        push("/metrics/job/nightly", "nightly-1", nightly); // a client's retry: counted once
        Thread.sleep(50);
        between = Instant.now();
        Thread.sleep(50);
        push("/metrics/job/checkout/instance/a2", null, "# TYPE checkout_orders_total counter\n"
                + "checkout_orders_total{region=\"eu\"} 4\n# TYPE checkout_latency_seconds gauge\ncheckout_latency_seconds 0.5\n");
        push("/metrics/job/resize", null, "# TYPE resize_duration_seconds histogram\n"
                + "resize_duration_seconds_bucket{le=\"0.1\"} 0\nresize_duration_seconds_bucket{le=\"1\"} 1\n"
                + "resize_duration_seconds_bucket{le=\"+Inf\"} 1\nresize_duration_seconds_sum 0.5\nresize_duration_seconds_count 1\n");
        push("/metrics/job/nightly", "nightly-2", "# TYPE jobs_done_total counter\njobs_done_total 2\n");
        // accepted by the gateway, rejected by the engine: the series is a gauge (type_mismatch, dead-lettered)
        // on the partition of the gauge's batch: which of two conflicting points is rejected depends on the order the
        // aggregate step sees them, fixed only within one events partition (see docs/data-teams.md)
        push("/metrics/job/checkout/instance/a1", keyOnThePartitionOf("checkout-a1"),
                "# TYPE checkout_latency_seconds counter\ncheckout_latency_seconds 1\n");
        awaitPipelineCounter(Topics.AGGREGATES, "events", 8);
        awaitPipelineCounter(Topics.AGGREGATES, "points", 10);
        awaitPipelineCounter(Topics.AGGREGATES, "rejects", 1);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!liveIsComplete(table(Topics.AGGREGATES))) {
            assertThat(System.nanoTime()).as("the live aggregates never showed every push").isLessThan(deadline);
            Thread.sleep(250);
        }
    }

    private static boolean liveIsComplete(Map<String, Aggregate> t) {
        Aggregate done = t.get("jobs_done{job=\"nightly\"}");
        Aggregate resize = t.get("resize_duration_seconds{job=\"resize\"}");
        return series(t).size() == 7 && done != null && done.getValue() == 9.0 && resize != null
                && resize.getHistogram().getCount() == 5;
    }

    @AfterAll
    static void stop() {
        if (live != null) {
            live.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /**
     * An idempotency key whose push to the group {@code other} was pushed to the gateway writes to the events
     * partition (of 2) of {@code other}'s batch. The gateway's event id is the key, '@' and a digest of the push's
     * scope, the same for every key pushed to one group with one method: read it from {@code other}'s batch.
     */
    private static String keyOnThePartitionOf(String other) {
        String otherId = records(Topics.EVENTS).stream().map(r -> new String(r.key(), StandardCharsets.UTF_8))
                .filter(id -> id.startsWith(other + "@")).findFirst().orElseThrow();
        String scope = otherId.substring(other.length());
        for (int i = 0; ; i++) {
            String key = other + "-neighbour-" + i;
            if (partition(key + scope) == partition(otherId)) {
                return key;
            }
        }
    }

    private static int partition(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % 2;
    }

    private static void push(String path, String idempotencyKey, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(gateway + path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            r.header("Idempotency-Key", idempotencyKey);
        }
        HttpResponse<String> response = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    /** Every committed record of {@code topic}, from its beginning to its end offsets now, in partition order. */
    static List<ConsumerRecord<byte[], byte[]>> records(String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** The topic as a table: the latest committed aggregate per series key (tombstones remove the key). */
    static Map<String, Aggregate> table(String topic) {
        Map<String, Aggregate> out = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records(topic)) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            if (r.value() == null) {
                out.remove(key);
            } else {
                out.put(key, AGGREGATES.decode(r.value()));
            }
        }
        return out;
    }

    /** Each dead letter as {@code reason source-partition/offset key value}, both bytes in Base64, sorted. */
    static List<String> deadLetters(String topic) {
        List<String> out = new ArrayList<>();
        Base64.Encoder b64 = Base64.getEncoder();
        for (ConsumerRecord<byte[], byte[]> r : records(topic)) {
            out.add(header(r, Topics.HEADER_REASON) + " " + header(r, Topics.HEADER_SOURCE_PARTITION) + "/"
                    + header(r, Topics.HEADER_SOURCE_OFFSET) + " " + (r.key() == null ? "-" : b64.encodeToString(r.key()))
                    + " " + b64.encodeToString(r.value()));
        }
        Collections.sort(out);
        return out;
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static double pipelineCounter(Map<String, Aggregate> table, String name) {
        return table.values().stream().filter(a -> a.getName().equals(PIPELINE + name)).mapToDouble(Aggregate::getValue).sum();
    }

    private static void awaitPipelineCounter(String topic, String name, double value) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (pipelineCounter(table(topic), name) != value) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(PIPELINE + name + " in " + topic + " never reached " + value + ": " + table(topic).keySet());
            }
            Thread.sleep(500);
        }
    }

    /** The series pushed (not Mayfly's own: pipeline counters, last push times). */
    private static Map<String, Aggregate> series(Map<String, Aggregate> table) {
        return table.entrySet().stream().filter(e -> !e.getKey().startsWith("mayfly_"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
    }

    /** Every series but the pipeline counters (whose times are stream times): pushed series and last push times. */
    private static Map<String, Aggregate> userSeries(Map<String, Aggregate> table) {
        return table.entrySet().stream().filter(e -> !e.getKey().startsWith(PIPELINE))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
    }

    /** The pipeline counters by series key: their values (their times are stream times, see docs/data-teams.md). */
    private static Map<String, Double> pipelineCounters(Map<String, Aggregate> table) {
        Map<String, Double> out = new TreeMap<>();
        table.forEach((k, a) -> {
            if (k.startsWith(PIPELINE)) {
                out.put(k, a.getValue());
            }
        });
        return out;
    }

    private int run(String... args) {
        err.getBuffer().setLength(0);
        CommandLine cli = Mayfly.commandLine();
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private int replay(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "replay";
        all[1] = "--bootstrap-servers";
        all[2] = kafka.bootstrapServers();
        System.arraycopy(args, 0, all, 3, args.length);
        return run(all);
    }

    /** Runs a replay, returning what it printed on stderr (progress and summary). */
    private String replayOutput(String... args) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertThat(replay(args)).as(err.toString()).isZero();
        } finally {
            System.setErr(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.print(out);
        return out;
    }

    private static Set<String> topics() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            return admin.listTopics().names().get();
        }
    }

    @Test
    void aFullReplayGivesExactlyTheLiveAggregatesAndCleansUpAfterItself() throws Exception {
        Map<String, Aggregate> liveTable = table(Topics.AGGREGATES);
        String output = replayOutput("--name", "full");
        Map<String, Aggregate> replayed = table("mayfly-aggregates-full");

        assertThat(userSeries(replayed)).isEqualTo(userSeries(liveTable)); // every field: values, help, created/updated times
        assertThat(pipelineCounters(replayed)).isEqualTo(pipelineCounters(liveTable));
        assertThat(userSeries(replayed)).containsKeys("mayfly_job_last_push_timestamp_seconds{job=\"nightly\"}","checkout_orders{instance=\"a1\",job=\"checkout\",region=\"eu\"}",
                "resize_duration_seconds{job=\"resize\"}", "jobs_done{job=\"nightly\"}");
        assertThat(replayed.get("jobs_done{job=\"nightly\"}").getValue()).isEqualTo(9.0);
        assertThat(replayed.get("resize_duration_seconds{job=\"resize\"}").getHistogram().getCount()).isEqualTo(5);
        // the offsets include the live gateway's ticks (time only, written while nothing is pushed); the batches do not
        java.util.regex.Matcher replaying = java.util.regex.Pattern.compile("replaying (\\d+) offsets of mayfly-events into mayfly-aggregates-full")
                .matcher(output);
        assertThat(replaying.find()).as(output).isTrue();
        assertThat(Integer.parseInt(replaying.group(1))).as("the 8 batches and the ticks written before the replay began")
                .isGreaterThanOrEqualTo(8);
        assertThat(output).contains("replay 'full': read 8 batches, 10 points, 1 duplicate; wrote 7 series to "
                + "mayfly-aggregates-full; rejected 1 (type_mismatch 1) to mayfly-dead-letter-full");
        assertThat(deadLetters("mayfly-dead-letter-full")).hasSize(1).isEqualTo(deadLetters(Topics.DEAD_LETTER));

        Set<String> topics = topics();
        assertThat(topics).contains("mayfly-aggregates-full", "mayfly-dead-letter-full");
        assertThat(topics).noneMatch(t -> t.startsWith("mayfly-replay-full-"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            assertThat(admin.listGroups().all().get()).noneMatch(g -> g.groupId().equals("mayfly-replay-full"));
        }
    }

    @Test
    void aReplayWithOtherRulesShowsTheirResultBesideTheUnchangedLiveOne() throws Exception {
        Path rules = dir.resolve("by-region.yaml");
        Files.writeString(rules, "rules:\n  - match: \"checkout_orders\"\n    by: [region]\n");
        Map<String, Aggregate> before = table(Topics.AGGREGATES);
        assertThat(replay("--name", "by-region", "--rules", rules.toString())).as(err.toString()).isZero();
        Map<String, Aggregate> replayed = table("mayfly-aggregates-by-region");
        Map<String, Double> orders = new TreeMap<>();
        replayed.forEach((k, a) -> {
            if (a.getName().equals("checkout_orders")) {
                orders.put(k, a.getValue());
            }
        });
        assertThat(orders).isEqualTo(Map.of("checkout_orders{job=\"checkout\",region=\"eu\"}", 7.0,
                "checkout_orders{job=\"checkout\",region=\"us\"}", 2.0));
        assertThat(replayed.get("jobs_done{job=\"nightly\"}").getValue()).isEqualTo(9.0);
        assertThat(table(Topics.AGGREGATES)).as("the live aggregates are untouched").isEqualTo(before);
    }

    @Test
    void aPartialRangeReplaysOnlyThatRange() {
        assertThat(replay("--name", "second-half", "--from", between.toString())).as(err.toString()).isZero();
        Map<String, Double> values = new HashMap<>();
        series(table("mayfly-aggregates-second-half")).forEach((k, a) -> values.put(k, a.getHistogram() == null
                ? a.getValue() : (double) a.getHistogram().getCount()));
        assertThat(values).isEqualTo(Map.of(
                "checkout_orders{instance=\"a2\",job=\"checkout\",region=\"eu\"}", 4.0,
                "checkout_latency_seconds{instance=\"a2\",job=\"checkout\"}", 0.5,
                "resize_duration_seconds{job=\"resize\"}", 1.0,
                "jobs_done{job=\"nightly\"}", 2.0,
                // its gauge points lie before the range: here the counter point is the first and creates the series
                "checkout_latency_seconds{instance=\"a1\",job=\"checkout\"}", 1.0));

        assertThat(replay("--name", "first-half", "--to", between.toString())).as(err.toString()).isZero();
        Map<String, Aggregate> first = table("mayfly-aggregates-first-half");
        assertThat(first.get("jobs_done{job=\"nightly\"}").getValue()).isEqualTo(7.0);
        assertThat(first.get("resize_duration_seconds{job=\"resize\"}").getHistogram().getCount()).isEqualTo(4);
        assertThat(first).doesNotContainKey("checkout_orders{instance=\"a2\",job=\"checkout\",region=\"eu\"}");
        assertThat(pipelineCounter(first, "events")).isEqualTo(4.0);
        assertThat(pipelineCounter(first, "rejects")).isEqualTo(0.0);
        assertThat(pipelineCounter(first, "duplicates")).isEqualTo(1.0);
    }

    @Test
    void anExistingReplayIsRefusedUnlessForced() {
        assertThat(replay("--name", "again", "--to", between.toString())).as(err.toString()).isZero();
        assertThat(replay("--name", "again")).isEqualTo(Mayfly.EXIT_FAILURE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("replay 'again' already exists (topic mayfly-aggregates-again, topic "
                + "mayfly-dead-letter-again)", "--force");
        assertThat(table("mayfly-aggregates-again").get("jobs_done{job=\"nightly\"}").getValue()).isEqualTo(7.0);

        assertThat(replay("--name", "again", "--force")).as(err.toString()).isZero();
        assertThat(table("mayfly-aggregates-again").get("jobs_done{job=\"nightly\"}").getValue()).isEqualTo(9.0);
    }

    @Test
    void aMissingTopicOrAnEmptyRangeFailsOnOneLineAndCreatesNothing() throws Exception {
        assertThat(replay("--name", "missing", "--set", "topic.events=no-such-topic")).isEqualTo(Mayfly.EXIT_FAILURE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("topic 'no-such-topic' does not exist");

        assertThat(replay("--name", "empty", "--from", Instant.now().plusSeconds(3600).toString())).isEqualTo(Mayfly.EXIT_FAILURE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("nothing to replay");
        assertThat(topics()).noneMatch(t -> t.contains("-missing") || t.contains("-empty"));
    }
}
