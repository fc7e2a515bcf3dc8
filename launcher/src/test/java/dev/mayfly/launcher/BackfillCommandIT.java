package dev.mayfly.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mayfly.kafka.EmbeddedKafka;
import dev.mayfly.schemas.TopicSetup;
import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.MayflyCodecs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mayfly backfill} end to end: known batches at known times on a real broker (two partitions), the
 * backfill file turned into blocks by promtool, a real Prometheus started on them, and its answers (range queries,
 * {@code increase()}) compared with the truth this test computes from what it sent.
 */
@Timeout(300)
class BackfillCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final long STEP = 15_000;
    /** The first batch's time: 40 minutes ago, on a step. */
    private static final long START = (System.currentTimeMillis() - Duration.ofMinutes(40).toMillis()) / STEP * STEP;
    private static final int EVENTS = 60;

    @TempDir
    static Path dir;
    private static EmbeddedKafka kafka;
    /** Record (and emit) time of each batch sent, and what it carried. */
    private static final TreeMap<Long, double[]> SENT = new TreeMap<>();

    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.on(dir.resolve("kafka"), 0).start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicSetup.ensureDefaults(admin, 2, (short) 1, Duration.ofDays(3));
        }
        AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(null, Topics.EVENTS);
        Random random = new Random(42);
        long t = START + 3_000;
        long restart = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < EVENTS; i++) {
                double orders = 1 + random.nextInt(9);
                double temperature = 15 + random.nextInt(100) / 10.0;
                // a cumulative stream that restarts (a new start time) at event 40: the engine counts 0..39 as
                // running totals of i+1 each, then a fresh total
                double cumulative = i < 40 ? (i + 1) * 2 : (i - 39);
                if (i == 40) {
                    restart = t - 1;
                }
                long startTime = i < 40 ? START - 60_000 : restart;
                MetricEventBatch b = MetricEventBatch.newBuilder().setEventId("e" + i)
                        .setSource(Source.newBuilder().setJob("shop").build()).setEmitTime(Instant.ofEpochMilli(t))
                        .setPoints(List.of(
                                MetricPoint.newBuilder().setName("orders_total").setType(MetricType.COUNTER)
                                        .setLabels(Map.of("region", "eu")).setValue(orders).build(),
                                MetricPoint.newBuilder().setName("temperature_celsius").setType(MetricType.GAUGE)
                                        .setLabels(Map.of()).setValue(temperature).build(),
                                MetricPoint.newBuilder().setName("latency_seconds").setType(MetricType.HISTOGRAM).setLabels(Map.of())
                                        .setHistogram(HistogramValue.newBuilder().setBounds(List.of(0.1, 0.5))
                                                .setBucketCounts(List.of(1L, 2L, 0L)).setSum(0.75).setCount(3).build()).build(),
                                MetricPoint.newBuilder().setName("bytes_total").setType(MetricType.COUNTER).setLabels(Map.of())
                                        .setTemporality(Temporality.CUMULATIVE).setStreamId("s1")
                                        .setStartTime(Instant.ofEpochMilli(startTime)).setValue(cumulative).build()))
                        .build();
                producer.send(new ProducerRecord<>(Topics.EVENTS, null, t, b.getEventId().getBytes(StandardCharsets.UTF_8), codec.encode(b))).get();
                SENT.put(t, new double[]{orders, temperature});
                // a retry of the same batch is counted once
                if (i % 10 == 5) {
                    producer.send(new ProducerRecord<>(Topics.EVENTS, null, t, b.getEventId().getBytes(StandardCharsets.UTF_8), codec.encode(b))).get();
                }
                t += 2_000 + random.nextInt(20_000);
            }
        }
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** The truth at step {@code at}: orders sum, last temperature, bytes (engine semantics: deltas of a cumulative stream, a restart counts in full). */
    private static double[] truth(long at) {
        double orders = 0;
        double temperature = Double.NaN;
        double bytes = 0;
        int i = 0;
        for (Map.Entry<Long, double[]> e : SENT.headMap(at, true).entrySet()) {
            orders += e.getValue()[0];
            temperature = e.getValue()[1];
            bytes += i < 40 ? 2 : 1; // 2, 4, ... 80 (delta 2 each); then a new start: 1 in full, then +1 each
            i++;
        }
        return new double[]{orders, temperature, bytes};
    }

    private int run(String... args) {
        CommandLine cli = Mayfly.commandLine();
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void prometheusOnTheBackfilledBlocksAnswersWithTheTruth() throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        Path prometheus = Path.of("/usr/bin/prometheus");
        Assumptions.assumeTrue(Files.isExecutable(promtool) && Files.isExecutable(prometheus), "needs Debian's prometheus and promtool");
        Path file = dir.resolve("backfill.om");
        assertThat(run("backfill", "--bootstrap-servers", kafka.bootstrapServers(), "--step", "15s", "--out", file.toString()))
                .as(err.toString()).isZero();
        String text = Files.readString(file);
        assertThat(text).endsWith("# EOF\n").contains("# TYPE orders counter\n").contains("orders_total{job=\"shop\",region=\"eu\"} ");
        assertThat(text).doesNotContain("_created");

        Path blocks = dir.resolve("tsdb");
        Process create = new ProcessBuilder(promtool.toString(), "tsdb", "create-blocks-from", "openmetrics", file.toString(), blocks.toString())
                .redirectErrorStream(true).start();
        String createOutput = new String(create.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(create.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(create.exitValue()).as(createOutput).isZero();

        int port = StandaloneProcess.freePort();
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, "global:\n  scrape_interval: 1h\n");
        Process server = new ProcessBuilder(prometheus.toString(), "--config.file=" + config, "--storage.tsdb.path=" + blocks,
                "--storage.tsdb.retention.time=100y", "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        try {
            String base = "http://127.0.0.1:" + port;
            awaitReady(base, server);
            long firstStep = (SENT.firstKey() + STEP - 1) / STEP * STEP;
            long lastStep = (SENT.lastKey() + STEP - 1) / STEP * STEP;
            String[] queries = {"orders_total{job=\"shop\",region=\"eu\"}", "temperature_celsius{job=\"shop\"}", "bytes_total{job=\"shop\"}"};
            for (int q = 0; q < queries.length; q++) {
                Map<Long, Double> values = range(base, queries[q], firstStep, lastStep);
                assertThat(values).as(queries[q]).hasSize((int) ((lastStep - firstStep) / STEP + 1));
                for (Map.Entry<Long, Double> v : values.entrySet()) {
                    assertThat(v.getValue()).as("%s at %s", queries[q], Instant.ofEpochMilli(v.getKey())).isEqualTo(truth(v.getKey())[q]);
                }
            }
            // the histogram merged bucket by bucket: 3 observations a batch, 1 at or below 0.1, 3 at or below 0.5
            String[] histogram = {"latency_seconds_count{job=\"shop\"}", "latency_seconds_bucket{job=\"shop\",le=\"0.1\"}",
                    "latency_seconds_bucket{job=\"shop\",le=\"0.5\"}", "latency_seconds_sum{job=\"shop\"}"};
            double[] perBatch = {3, 1, 3, 0.75};
            for (int q = 0; q < histogram.length; q++) {
                for (Map.Entry<Long, Double> v : range(base, histogram[q], firstStep, lastStep).entrySet()) {
                    assertThat(v.getValue()).as("%s at %s", histogram[q], Instant.ofEpochMilli(v.getKey()))
                            .isCloseTo(perBatch[q] * SENT.headMap(v.getKey(), true).size(), org.assertj.core.data.Offset.offset(1e-9));
                }
            }
            long at = firstStep + 20 * STEP;
            double increase = instant(base, "increase(orders_total{job=\"shop\"}[5m])", at);
            assertThat(increase).isEqualTo(truth(at)[0] - truth(at - Duration.ofMinutes(5).toMillis())[0]);
        } finally {
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void theRulesFileOfTheConfigurationAppliesAsItDoesLive() throws Exception {
        Path rules = dir.resolve("rules.yml");
        Files.writeString(rules, "rules:\n  - match: \"temperature_*\"\n    aggregation: max\n  - match: \"orders\"\n    without: [region]\n");
        Path file = dir.resolve("rules.om");
        assertThat(run("backfill", "--bootstrap-servers", kafka.bootstrapServers(), "--step", "1m", "--set", "rules.file=" + rules,
                "--out", file.toString())).as(err.toString()).isZero();
        List<String> lines = Files.readAllLines(file);
        int checked = 0;
        for (String line : lines) {
            String[] parts = line.split(" ");
            if (line.startsWith("temperature_celsius{")) {
                long at = Math.round(Double.parseDouble(parts[2]) * 1000);
                double max = SENT.headMap(at, true).values().stream().mapToDouble(v -> v[1]).max().orElseThrow();
                assertThat(Double.parseDouble(parts[1])).as(line).isEqualTo(max);
                checked++;
            } else if (line.startsWith("orders_total{")) {
                assertThat(parts[0]).isEqualTo("orders_total{job=\"shop\"}");
                long at = Math.round(Double.parseDouble(parts[2]) * 1000);
                assertThat(Double.parseDouble(parts[1])).as(line).isEqualTo(truth(at)[0]);
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(10);
        assertThat(lines.get(lines.size() - 1)).isEqualTo("# EOF");
    }

    @Test
    void aNameTwoFamiliesClaimIsWrittenOnceAsGetMetricsServesIt() throws Exception {
        String topic = "conflicting-events";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1))).all().get();
        }
        AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(null, topic);
        long t = START + 1_000;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            // a counter race (served as race_total) and a gauge race_total: one exposed name, two families
            for (String[] job : List.of(new String[]{"a", "COUNTER"}, new String[]{"b", "GAUGE"})) {
                MetricEventBatch b = MetricEventBatch.newBuilder().setEventId("race-" + job[0])
                        .setSource(Source.newBuilder().setJob(job[0]).build()).setEmitTime(Instant.ofEpochMilli(t))
                        .setPoints(List.of(MetricPoint.newBuilder().setName("race_total").setType(MetricType.valueOf(job[1]))
                                .setLabels(Map.of()).setValue(5).build()))
                        .build();
                producer.send(new ProducerRecord<>(topic, null, t, b.getEventId().getBytes(StandardCharsets.UTF_8), codec.encode(b))).get();
            }
        }
        Path file = dir.resolve("conflicting.om");
        assertThat(run("backfill", "--bootstrap-servers", kafka.bootstrapServers(), "--set", "topic.events=" + topic,
                "--step", "15s", "--out", file.toString())).as(err.toString()).isZero();
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).filteredOn(l -> l.startsWith("# TYPE race")).containsOnly("# TYPE race counter");
        assertThat(lines).filteredOn(l -> l.startsWith("race_total{")).isNotEmpty().allMatch(l -> l.startsWith("race_total{job=\"a\"}"));
    }

    @Test
    void moreThanAMillionStepsAreRefusedBeforeAnyIsWritten() throws Exception {
        String topic = "old-events";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1)
                    .configs(Map.of("retention.ms", "-1")))).all().get();
        }
        long old = System.currentTimeMillis() - Duration.ofDays(12).toMillis(); // over 1,000,000 one-second steps ago
        MetricEventBatch b = MetricEventBatch.newBuilder().setEventId("old").setSource(Source.newBuilder().setJob("j").build())
                .setEmitTime(Instant.ofEpochMilli(old)).setPoints(List.of(MetricPoint.newBuilder().setName("x_total")
                        .setType(MetricType.COUNTER).setLabels(Map.of()).setValue(1).build())).build();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, null, old, "old".getBytes(StandardCharsets.UTF_8),
                    MayflyCodecs.events(null, topic).encode(b))).get();
        }
        Path file = dir.resolve("too-many.om");
        assertThat(run("backfill", "--bootstrap-servers", kafka.bootstrapServers(), "--set", "topic.events=" + topic,
                "--step", "1s", "--out", file.toString())).isEqualTo(Mayfly.EXIT_USAGE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("more than 1,000,000 steps");
        assertThat(!Files.exists(file) || Files.size(file) == 0).as("nothing written").isTrue();
        // a day a step up to a --to two days ahead: the steps stop at now (a later value is not known yet)
        err.getBuffer().setLength(0);
        assertThat(run("backfill", "--bootstrap-servers", kafka.bootstrapServers(), "--set", "topic.events=" + topic,
                "--step", "1d", "--to", Instant.now().plus(Duration.ofDays(2)).toString(), "--out", file.toString()))
                .as(err.toString()).isZero();
        long nowSeconds = System.currentTimeMillis() / 1000;
        assertThat(Files.readAllLines(file)).filteredOn(l -> l.startsWith("x_total{"))
                .hasSizeGreaterThanOrEqualTo(11)
                .allMatch(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) <= nowSeconds);
    }

    @Test
    void badFlagsFailOnOneLine() {
        for (String[] args : List.of(new String[]{}, new String[]{"--step", "soon"}, new String[]{"--step", "0s"}, new String[]{"--step", "500ms"},
                new String[]{"--step", "15s", "--from", "1h", "--to", "2h"})) {
            err.getBuffer().setLength(0);
            List<String> all = new ArrayList<>(List.of("backfill", "--bootstrap-servers", kafka.bootstrapServers()));
            all.addAll(List.of(args));
            assertThat(run(all.toArray(String[]::new))).as(String.join(" ", args)).isEqualTo(Mayfly.EXIT_USAGE);
            assertThat(err.toString().strip().lines()).as(String.join(" ", args)).hasSize(1);
        }
    }

    private static void awaitReady(String base, Process server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertThat(server.isAlive()).as(Files.readString(dir.resolve("prometheus.log"))).isTrue();
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(base + "/-/ready")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("prometheus not ready:\n" + Files.readString(dir.resolve("prometheus.log")));
    }

    private static JsonNode api(String base, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).get("data").get("result");
    }

    private static Map<Long, Double> range(String base, String query, long from, long to) throws Exception {
        JsonNode result = api(base, "/api/v1/query_range?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)
                + "&start=" + from / 1000.0 + "&end=" + to / 1000.0 + "&step=" + STEP / 1000);
        assertThat(result).as(query).hasSize(1);
        Map<Long, Double> values = new TreeMap<>();
        for (JsonNode v : result.get(0).get("values")) {
            values.put(Math.round(v.get(0).asDouble() * 1000), Double.parseDouble(v.get(1).asText()));
        }
        return values;
    }

    private static double instant(String base, String query, long at) throws Exception {
        JsonNode result = api(base, "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&time=" + at / 1000.0);
        assertThat(result).as(query).hasSize(1);
        return Double.parseDouble(result.get(0).get("value").get(1).asText());
    }
}
