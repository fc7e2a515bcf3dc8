package dev.mayfly.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mayfly.kafka.EmbeddedKafka;
import dev.mayfly.schemas.TopicSetup;
import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.streams.StreamsApp;
import dev.mayfly.streams.StreamsAppConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code mayfly events} against a real broker holding known batches (and, for dead letters, the real streams app). */
@Timeout(180)
class EventsCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] GARBAGE = "not an avro record".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.now();
    private static final Instant TWO_HOURS_AGO = NOW.minus(Duration.ofHours(2));

    @TempDir
    static Path dir;
    private static EmbeddedKafka kafka;

    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.on(dir.resolve("kafka"), 0).start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicSetup.ensureDefaults(admin, 2, (short) 1, Duration.ofDays(3));
        }
        AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(null, Topics.EVENTS);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            send(producer, codec, batch("old-checkout", "checkout", TWO_HOURS_AGO, Map.of(),
                    point("checkout_orders_total", MetricType.COUNTER, Map.of("region", "eu"), 3)));
            send(producer, codec, batch("checkout-latency", "checkout", NOW, Map.of(),
                    point("checkout_latency_seconds", MetricType.GAUGE, Map.of("region", "us"), 0.25)));
            send(producer, codec, batch("nightly", "nightly", NOW, Map.of("instance", "a"),
                    point("jobs_done_total", MetricType.COUNTER, Map.of(), 7),
                    point("jobs_failed_total", MetricType.COUNTER, Map.of(), 1)));
            send(producer, codec, batch("nightly-2", "nightly", NOW, Map.of("instance", "b"),
                    point("jobs_done_total", MetricType.COUNTER, Map.of(), 2)));
            producer.send(new ProducerRecord<>(Topics.EVENTS, null, NOW.toEpochMilli(), "garbage".getBytes(StandardCharsets.UTF_8), GARBAGE)).get();
        }
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, AvroCodec<MetricEventBatch> codec, MetricEventBatch b) throws Exception {
        producer.send(new ProducerRecord<>(Topics.EVENTS, null, b.getEmitTime().toEpochMilli(),
                b.getEventId().getBytes(StandardCharsets.UTF_8), codec.encode(b))).get();
    }

    private static MetricEventBatch batch(String id, String job, Instant time, Map<String, String> grouping, MetricPoint... points) {
        return MetricEventBatch.newBuilder().setEventId(id).setSource(Source.newBuilder().setJob(job).build())
                .setEmitTime(time).setGroupingLabels(grouping).setPoints(List.of(points)).build();
    }

    private static MetricPoint point(String name, MetricType type, Map<String, String> labels, double value) {
        return MetricPoint.newBuilder().setName(name).setType(type).setLabels(labels).setValue(value).build();
    }

    private int run(String... args) {
        CommandLine cli = Mayfly.commandLine();
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** Runs {@code mayfly events} with {@code args} into a file and returns its lines as JSON. */
    private List<JsonNode> events(String... args) throws Exception {
        Path out = Files.createTempFile(dir, "events", ".jsonl");
        List<String> all = new ArrayList<>(List.of("events", "--bootstrap-servers", kafka.bootstrapServers(), "--out", out.toString()));
        all.addAll(List.of(args));
        assertThat(run(all.toArray(String[]::new))).as(err.toString()).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    private static List<String> ids(List<JsonNode> lines) {
        return lines.stream().filter(l -> !l.get("batch").isNull()).map(l -> l.get("batch").get("event_id").asText()).sorted().toList();
    }

    @Test
    void everyRecordOfTheTopicOnceWithItsCoordinates() throws Exception {
        List<JsonNode> lines = events();
        assertThat(ids(lines)).containsExactly("checkout-latency", "nightly", "nightly-2", "old-checkout");
        assertThat(lines).hasSize(5);
        JsonNode undecodable = lines.stream().filter(l -> l.get("batch").isNull()).findFirst().orElseThrow();
        assertThat(undecodable.get("undecodable").get("reason").asText()).isEqualTo("unknown_framing");
        assertThat(Base64.getDecoder().decode(undecodable.get("undecodable").get("value_base64").asText())).isEqualTo(GARBAGE);
        JsonNode nightly = lines.stream().filter(l -> !l.get("batch").isNull()
                && l.get("batch").get("event_id").asText().equals("nightly")).findFirst().orElseThrow();
        assertThat(nightly.get("topic").asText()).isEqualTo(Topics.EVENTS);
        assertThat(nightly.get("key").asText()).isEqualTo("nightly");
        assertThat(Instant.parse(nightly.get("timestamp").asText())).isEqualTo(Instant.ofEpochMilli(NOW.toEpochMilli()));
        assertThat(nightly.get("batch").get("grouping_labels").get("instance").asText()).isEqualTo("a");
        JsonNode done = nightly.get("batch").get("points").get(0);
        assertThat(done.get("name").asText()).isEqualTo("jobs_done_total");
        assertThat(done.get("type").asText()).isEqualTo("COUNTER");
        assertThat(done.get("value").asDouble()).isEqualTo(7.0);
        assertThat(done.get("temporality").asText()).isEqualTo("DELTA");
    }

    @Test
    void filtersByJobMetricGlobAndLabels() throws Exception {
        assertThat(ids(events("--job", "checkout"))).containsExactly("checkout-latency", "old-checkout");
        assertThat(events("--job", "checkout")).hasSize(2);
        assertThat(ids(events("--metric", "checkout_*_total"))).containsExactly("old-checkout");
        assertThat(ids(events("--metric", "jobs_f?iled_total"))).containsExactly("nightly");
        assertThat(ids(events("--label", "region=us"))).containsExactly("checkout-latency");
        assertThat(ids(events("--label", "instance=b", "--label", "job=nightly"))).containsExactly("nightly-2");
        assertThat(ids(events("--label", "instance=b", "--label", "job=checkout"))).isEmpty();
        assertThat(ids(events("--metric", "jobs_done_total", "--label", "instance=a"))).containsExactly("nightly");
    }

    @Test
    void limitStopsAfterThatManyBatches() throws Exception {
        assertThat(events("--limit", "2")).hasSize(2);
        assertThat(events("--job", "nightly", "--limit", "1")).hasSize(1);
    }

    @Test
    void timeRangeIsByBrokerTimestamp() throws Exception {
        assertThat(ids(events("--from", "1h"))).containsExactly("checkout-latency", "nightly", "nightly-2");
        assertThat(ids(events("--to", "1h"))).containsExactly("old-checkout");
        String justAfterOld = TWO_HOURS_AGO.plusMillis(1).toString();
        assertThat(ids(events("--from", TWO_HOURS_AGO.minusSeconds(1).toString(), "--to", justAfterOld))).containsExactly("old-checkout");
        assertThat(events("--from", NOW.plusSeconds(3600).toString())).isEmpty();
    }

    @Test
    void avroFileReadsBackWithAnIndependentReader() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "needs /usr/bin/python3 (Debian's python3-avro)");
        Process probe = new ProcessBuilder(python.toString(), "-c", "import avro.datafile").redirectErrorStream(true).start();
        Assumptions.assumeTrue(probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0, "needs Debian's python3-avro");
        Path file = dir.resolve("events.avro");
        assertThat(run("events", "--bootstrap-servers", kafka.bootstrapServers(), "--format", "avro", "--out", file.toString()))
                .as(err.toString()).isZero();
        String script = "import avro.datafile, avro.io, json, sys\n"
                + "r = avro.datafile.DataFileReader(open(sys.argv[1], 'rb'), avro.io.DatumReader())\n"
                + "print(r.get_meta('mayfly.topic').decode())\n"
                + "for b in r:\n"
                + "    print(json.dumps([b['event_id'], b['source']['job'], [[p['name'], p['value'], p['labels']] for p in b['points']]], sort_keys=True))\n";
        Process p = new ProcessBuilder(python.toString(), "-c", script, file.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        List<String> lines = output.strip().lines().toList();
        assertThat(lines.get(0)).isEqualTo(Topics.EVENTS);
        assertThat(lines.subList(1, lines.size())).containsExactlyInAnyOrder(
                "[\"old-checkout\", \"checkout\", [[\"checkout_orders_total\", 3.0, {\"region\": \"eu\"}]]]",
                "[\"checkout-latency\", \"checkout\", [[\"checkout_latency_seconds\", 0.25, {\"region\": \"us\"}]]]",
                "[\"nightly\", \"nightly\", [[\"jobs_done_total\", 7.0, {}], [\"jobs_failed_total\", 1.0, {}]]]",
                "[\"nightly-2\", \"nightly\", [[\"jobs_done_total\", 2.0, {}]]]");
    }

    @Test
    void deadLettersCarryTheReasonAndDetailTheStreamsAppGave() throws Exception {
        StreamsApp app = StreamsApp.create(StreamsAppConfig.from(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "state.dir", dir.resolve("streams").toString(), "commit.interval.ms", "50")));
        List<JsonNode> lines;
        try {
            app.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            do {
                Thread.sleep(500);
                lines = events("--dead-letter");
            } while (lines.isEmpty() && System.nanoTime() < deadline);
        } finally {
            app.close();
        }
        assertThat(lines).hasSize(1);
        JsonNode line = lines.get(0);
        assertThat(line.get("topic").asText()).isEqualTo(Topics.DEAD_LETTER);
        assertThat(line.get("dead_letter").get("reason").asText()).isEqualTo("unknown_framing");
        assertThat(line.get("dead_letter").get("detail").asText()).contains("single-object");
        assertThat(line.get("dead_letter").get("source_topic").asText()).isEqualTo(Topics.EVENTS);
        assertThat(line.get("batch").isNull()).isTrue();
        assertThat(Base64.getDecoder().decode(line.get("undecodable").get("value_base64").asText())).isEqualTo(GARBAGE);
    }

    @Test
    void theEventsTopicIsCreatedWithTheRetentionAsked() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, Topics.EVENTS);
            ConfigEntry retention = admin.describeConfigs(List.of(topic)).all().get().get(topic).get(TopicConfig.RETENTION_MS_CONFIG);
            assertThat(retention.value()).isEqualTo(String.valueOf(Duration.ofDays(3).toMillis()));
        }
    }

    @Test
    void aMissingTopicIsNamedOnOneLine() {
        assertThat(run("events", "--bootstrap-servers", kafka.bootstrapServers(), "--set", "topic.events=no-such-topic",
                "--out", dir.resolve("none.jsonl").toString())).isEqualTo(Mayfly.EXIT_FAILURE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("'no-such-topic' does not exist");
    }

    @Test
    void anUnreachableClusterIsNamedOnOneLineWithinTheTimeout() {
        long start = System.nanoTime();
        assertThat(run("events", "--bootstrap-servers", "localhost:1", "--out", dir.resolve("none.jsonl").toString()))
                .isEqualTo(Mayfly.EXIT_FAILURE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("cannot reach Kafka at localhost:1");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
    }

    @Test
    void badFlagsFailOnOneLine() {
        for (String[] args : List.of(new String[]{"--format", "xml"}, new String[]{"--from", "yesterday"},
                new String[]{"--label", "region"}, new String[]{"--limit", "0"}, new String[]{"--from", "1h", "--to", "2h"},
                new String[]{"--set", "no.such.key=1"})) {
            err.getBuffer().setLength(0);
            List<String> all = new ArrayList<>(List.of("events", "--bootstrap-servers", kafka.bootstrapServers()));
            all.addAll(List.of(args));
            assertThat(run(all.toArray(String[]::new))).as(String.join(" ", args)).isEqualTo(Mayfly.EXIT_USAGE);
            assertThat(err.toString().strip().lines()).as(String.join(" ", args)).hasSize(1);
        }
    }
}
