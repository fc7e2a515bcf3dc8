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
import dev.mayfly.schemas.codec.Framing;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.schemas.registry.SchemaRegistryClient;
import dev.mayfly.schemas.testing.ApicurioRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
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
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code mayfly events} decodes both framings of the events topic: single-object and, with a registry, Confluent. */
@Timeout(120)
class EventsFramingsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    private static EmbeddedKafka kafka;
    private static ApicurioRegistry registry;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.on(dir.resolve("kafka"), 0).start();
        registry = ApicurioRegistry.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicSetup.ensureDefaults(admin, 1, (short) 1);
        }
        AvroCodec<MetricEventBatch> singleObject = MayflyCodecs.events(null, Topics.EVENTS);
        AvroCodec<MetricEventBatch> confluent = MayflyCodecs.events(
                new SchemaRegistryClient(registry.ccompatUrl(), Duration.ofSeconds(5)), Topics.EVENTS);
        assertThat(confluent.writeFraming()).isEqualTo(Framing.CONFLUENT);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.EVENTS, singleObject.encode(batch("single-object", 1)))).get();
            producer.send(new ProducerRecord<>(Topics.EVENTS, confluent.encode(batch("confluent", 2)))).get();
        }
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static MetricEventBatch batch(String id, double value) {
        return MetricEventBatch.newBuilder().setEventId(id).setSource(Source.newBuilder().setJob("framings").build())
                .setEmitTime(Instant.now()).setPoints(List.of(MetricPoint.newBuilder().setName("framed_total")
                        .setType(MetricType.COUNTER).setValue(value).build())).build();
    }

    private List<JsonNode> events(String... args) throws Exception {
        Path out = Files.createTempFile(dir, "events", ".jsonl");
        StringWriter err = new StringWriter();
        CommandLine cli = Mayfly.commandLine();
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("events", "--bootstrap-servers", kafka.bootstrapServers(), "--out", out.toString()));
        all.addAll(List.of(args));
        assertThat(cli.execute(all.toArray(String[]::new))).as(err.toString()).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    @Test
    void withTheRegistryBothFramingsDecode() throws Exception {
        List<JsonNode> lines = events("--set", "schema.registry.url=" + registry.ccompatUrl());
        assertThat(lines).hasSize(2);
        assertThat(lines).extracting(l -> l.get("batch").get("event_id").asText()).containsExactly("single-object", "confluent");
        assertThat(lines).extracting(l -> l.get("batch").get("points").get(0).get("value").asDouble()).containsExactly(1.0, 2.0);
    }

    @Test
    void withoutTheRegistryTheConfluentRecordSaysWhyItCannotBeDecoded() throws Exception {
        List<JsonNode> lines = events();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).get("batch").get("event_id").asText()).isEqualTo("single-object");
        assertThat(lines.get(1).get("batch").isNull()).isTrue();
        assertThat(lines.get(1).get("undecodable").get("reason").asText()).isEqualTo("no_registry");
    }
}
