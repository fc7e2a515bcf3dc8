package dev.mayfly.launcher;

import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.MayflyCodecs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mayfly redrive} on a real standalone (its own process, restarted with the cause fixed): a batch partly
 * rejected by the cardinality limit, another partly rejected by the label limit; redriven after the restart, the
 * totals on /metrics are exact (the accepted points are not counted again); redriven a second time, still counted once.
 */
@Timeout(600)
class RedriveCommandIT {
    private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(120);
    private static final String LIMITS_BEFORE_FIX = "series.limit.per.metric.per.task=2";
    private static final String LABELS_BEFORE_FIX = "max.labels=3";

    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();
    private final AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(null, Topics.EVENTS);

    @Test
    void onlyWhatWasRejectedIsCountedAgainAndOnlyOnce() throws Exception {
        int kafkaPort = StandaloneProcess.freePort();
        int httpPort = StandaloneProcess.freePort();
        String bootstrap = "localhost:" + kafkaPort;
        Path data = dir.resolve("data");
        try (StandaloneProcess first = StandaloneProcess.start(data, kafkaPort, httpPort, LIMITS_BEFORE_FIX, LABELS_BEFORE_FIX)) {
            send(bootstrap, batch("a", point("requests_total", Map.of("path", "/1"), 1), point("requests_total", Map.of("path", "/2"), 2)));
            awaitMetrics(first, m -> value(m, "requests_total", "path=\"/2\"") == 2);
            // b: /1 is accepted, /3 and /4 are new series over the limit of 2 (the aggregate step rejects them)
            // c: shop_orders is accepted, shop_refunds has 4 labels with job (the ingest step rejects that point)
            send(bootstrap, batch("b", point("requests_total", Map.of("path", "/1"), 10), point("requests_total", Map.of("path", "/3"), 5),
                    point("requests_total", Map.of("path", "/4"), 7)));
            send(bootstrap, batch("c", point("shop_orders_total", Map.of(), 4),
                    point("shop_refunds_total", Map.of("a", "1", "b", "2", "c", "3"), 6)));
            String before = awaitMetrics(first, m -> value(m, "requests_total", "path=\"/1\"") == 11 && value(m, "shop_orders_total") == 4);
            assertThat(value(before, "requests_total", "path=\"/3\"")).isNaN();
            assertThat(value(before, "shop_refunds_total")).isNaN();
            awaitRecords(bootstrap, Topics.DEAD_LETTER, 3);
            first.stop();
        }
        try (StandaloneProcess fixed = StandaloneProcess.start(data, kafkaPort, httpPort)) {
            long eventsBefore = batchesIn(bootstrap, Topics.EVENTS);
            String plan = stdoutOf("redrive", "--bootstrap-servers", bootstrap, "--reason", "cardinality_limit,too_many_labels", "--dry-run");
            assertThat(plan.strip().lines()).hasSize(3);
            assertThat(plan).contains("cardinality_limit job=shop event_id=b").contains("too_many_labels job=shop event_id=c");
            assertThat(batchesIn(bootstrap, Topics.EVENTS)).as("a dry run publishes nothing").isEqualTo(eventsBefore);

            assertThat(summaryOf("redrive", "--bootstrap-servers", bootstrap, "--reason", "cardinality_limt", "--dry-run"))
                    .as("a reason no dead letter has (a typo) is named with those the range has")
                    .contains("would redrive 0 dead letters").contains("no dead letter in the range has the reason cardinality_limt "
                            + "(reasons it has: cardinality_limit 2, too_many_labels 1)");
            assertThat(summaryOf("redrive", "--bootstrap-servers", bootstrap, "--reason", "too_many_labels"))
                    .contains("redrove 1 dead letter (too_many_labels 1) with 1 point to mayfly-events, filtered out 2")
                    .doesNotContain("no dead letter in the range");
            assertThat(summaryOf("redrive", "--bootstrap-servers", bootstrap, "--reason", "cardinality_limit", "--reason", "too_many_labels"))
                    .contains("redrove 3 dead letters (cardinality_limit 2, too_many_labels 1) with 3 points");
            String after = awaitMetrics(fixed, m -> value(m, "requests_total", "path=\"/4\"") == 7 && value(m, "shop_refunds_total") == 6);
            assertExactTotals(after);

            // the third redrive of the label dead letter, the second of the others: a marker sent after them shows they were processed
            assertThat(summaryOf("redrive", "--bootstrap-servers", bootstrap, "--reason", "cardinality_limit,too_many_labels"))
                    .contains("redrove 3 dead letters");
            send(bootstrap, batch("marker", point("marker_total", Map.of(), 1)));
            String last = awaitMetrics(fixed, m -> value(m, "marker_total") == 1);
            assertExactTotals(last);
            // the engine dropped each repeated redrive as a duplicate: the label dead letter's second and third, the others'
            // second (counters are published every few seconds)
            awaitMetrics(fixed, m -> sum(m, "mayfly_pipeline_duplicates_total") == 4);

            List<ConsumerRecord<byte[], byte[]>> redriven = readAll(bootstrap, Topics.EVENTS).stream()
                    .filter(r -> r.headers().lastHeader(Topics.HEADER_REDRIVEN_EVENT_ID) != null).toList();
            assertThat(redriven).hasSize(7);
            assertThat(redriven).extracting(r -> new String(r.headers().lastHeader(Topics.HEADER_REDRIVEN_EVENT_ID).value(), StandardCharsets.UTF_8))
                    .containsOnly("b", "c");
            assertThat(redriven).extracting(r -> new String(r.key(), StandardCharsets.UTF_8)).allMatch(k -> k.startsWith("redrive-"));
            assertThat(redriven.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).distinct()).hasSize(3);

            // a replay with the settings that fixed the cause meets the originals whole and leaves the redriven copies
            // out: exactly the live totals, each point once
            assertThat(summaryOf("replay", "--bootstrap-servers", bootstrap, "--name", "after-redrive"))
                    .contains("left out 7 redriven records");
            Map<String, Double> replayed = values(bootstrap, "mayfly-aggregates-after-redrive");
            assertThat(replayed).containsEntry("requests{job=\"shop\",path=\"/1\"}", 11.0)
                    .containsEntry("requests{job=\"shop\",path=\"/2\"}", 2.0)
                    .containsEntry("requests{job=\"shop\",path=\"/3\"}", 5.0)
                    .containsEntry("requests{job=\"shop\",path=\"/4\"}", 7.0)
                    .containsEntry("shop_orders{job=\"shop\"}", 4.0)
                    .containsEntry("shop_refunds{a=\"1\",b=\"2\",c=\"3\",job=\"shop\"}", 6.0);
            fixed.stop();
        }
    }

    private static void assertExactTotals(String metrics) {
        assertThat(value(metrics, "requests_total", "path=\"/1\"")).as("accepted part of b not counted again").isEqualTo(11);
        assertThat(value(metrics, "requests_total", "path=\"/2\"")).isEqualTo(2);
        assertThat(value(metrics, "requests_total", "path=\"/3\"")).isEqualTo(5);
        assertThat(value(metrics, "requests_total", "path=\"/4\"")).isEqualTo(7);
        assertThat(value(metrics, "shop_orders_total")).as("accepted part of c not counted again").isEqualTo(4);
        assertThat(value(metrics, "shop_refunds_total")).isEqualTo(6);
    }

    @Test
    void badFlagsFailOnOneLine() {
        for (String[] args : List.of(new String[]{}, new String[]{"--reason", ""}, new String[]{"--reason", "x", "--from", "soon"},
                new String[]{"--reason", "x", "--set", "dedup.horizon=forever"})) {
            err.getBuffer().setLength(0);
            List<String> all = new ArrayList<>(List.of("redrive", "--bootstrap-servers", "localhost:1"));
            all.addAll(List.of(args));
            assertThat(run(all.toArray(String[]::new))).as(String.join(" ", args)).isEqualTo(Mayfly.EXIT_USAGE);
            assertThat(err.toString().strip().lines()).as(String.join(" ", args)).hasSize(1);
        }
    }

    @Test
    void anUnreachableClusterIsNamedOnOneLine() {
        assertThat(run("redrive", "--bootstrap-servers", "localhost:1", "--reason", "cardinality_limit")).isEqualTo(Mayfly.EXIT_FAILURE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("cannot reach Kafka at localhost:1");
    }

    private int run(String... args) {
        CommandLine cli = Mayfly.commandLine();
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private String stdoutOf(String... args) {
        return captured(true, args);
    }

    /** Runs a command that must succeed and returns what it wrote on stderr (its progress and summary). */
    private String summaryOf(String... args) {
        return captured(false, args);
    }

    private String captured(boolean stdout, String... args) {
        PrintStream original = stdout ? System.out : System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        if (stdout) {
            System.setOut(capture);
        } else {
            System.setErr(capture);
        }
        try {
            assertThat(run(args)).as(err.toString()).isZero();
        } finally {
            if (stdout) {
                System.setOut(original);
            } else {
                System.setErr(original);
            }
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private static MetricEventBatch batch(String id, MetricPoint... points) {
        return MetricEventBatch.newBuilder().setEventId(id).setSource(Source.newBuilder().setJob("shop").build())
                .setEmitTime(Instant.now()).setPoints(List.of(points)).build();
    }

    private static MetricPoint point(String name, Map<String, String> labels, double value) {
        return MetricPoint.newBuilder().setName(name).setType(MetricType.COUNTER).setLabels(labels).setValue(value).build();
    }

    private void send(String bootstrap, MetricEventBatch b) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.EVENTS, null, b.getEmitTime().toEpochMilli(),
                    b.getEventId().getBytes(StandardCharsets.UTF_8), codec.encode(b))).get();
        }
    }

    private static String awaitMetrics(StandaloneProcess p, Predicate<String> ready) throws Exception {
        long deadline = System.nanoTime() + VISIBLE_WITHIN.toNanos();
        String m = p.metrics();
        while (!ready.test(m)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("/metrics not as expected within " + VISIBLE_WITHIN + ":\n" + m);
            }
            Thread.sleep(250);
            m = p.metrics();
        }
        return m;
    }

    /** The value of the one sample of {@code name} of job shop whose labels include {@code labels}; NaN when there is none. */
    static double value(String metrics, String name, String... labels) {
        for (String line : metrics.lines().toList()) {
            if (line.startsWith(name + "{") && line.contains("job=\"shop\"") && List.of(labels).stream().allMatch(line::contains)) {
                String[] parts = line.substring(line.lastIndexOf('}') + 1).trim().split(" ");
                return Double.parseDouble(parts[0]);
            }
        }
        return Double.NaN;
    }

    /** The sum of every sample of {@code name} (all tasks). */
    private static double sum(String metrics, String name) {
        double total = 0;
        for (String line : metrics.lines().toList()) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf('}') + 1).trim().split(" ")[0]);
            }
        }
        return total;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The latest committed value of every series key of an aggregates topic (every partition). */
    private static Map<String, Double> values(String bootstrap, String topic) {
        AvroCodec<dev.mayfly.schemas.avro.Aggregate> codec = MayflyCodecs.aggregates(null, topic);
        Map<String, Double> out = new java.util.TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    if (r.value() == null) {
                        out.remove(key);
                    } else {
                        out.put(key, codec.decode(r.value()).getValue());
                    }
                }
            }
        }
        return out;
    }

    /** The records of the topic other than the gateway's ticks (time only, written while nothing is pushed). */
    private static long batchesIn(String bootstrap, String topic) {
        return readAll(bootstrap, topic).stream().filter(r -> r.headers().lastHeader(Topics.HEADER_TICK) == null).count();
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    private static void awaitRecords(String bootstrap, String topic, int count) throws InterruptedException {
        long deadline = System.nanoTime() + VISIBLE_WITHIN.toNanos();
        while (readAll(bootstrap, topic).size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(topic + " has fewer than " + count + " records after " + VISIBLE_WITHIN);
            }
            Thread.sleep(500);
        }
    }
}
