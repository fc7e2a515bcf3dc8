package dev.mayfly.schemas.registry;

import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.DecodeException;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.schemas.testing.ApicurioRegistry;
import dev.mayfly.schemas.testing.FakeRegistry;
import dev.mayfly.schemas.testing.Samples;
import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link SchemaRegistryClient} and the Confluent framing against a REAL registry: Apicurio Registry 2.4.2.Final's
 * Confluent-compatible API, started as a separate process; and our bytes against Apicurio's own Avro serde.
 * The last test stops the registry.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(90)
class SchemaRegistryClientIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static ApicurioRegistry apicurio;
    private static SchemaRegistryClient client;

    @BeforeAll
    static void startRegistry() {
        apicurio = ApicurioRegistry.start();
        client = new SchemaRegistryClient(apicurio.ccompatUrl(), TIMEOUT);
    }

    @AfterAll
    static void stopRegistry() {
        if (apicurio != null) {
            apicurio.close();
        }
    }

    @Test
    @Order(1)
    void registersASchemaAndLooksItUpById() {
        String subject = "it-" + UUID.randomUUID() + "-value";
        int id = client.register(subject, MetricEventBatch.getClassSchema());

        Schema fetched = new SchemaRegistryClient(apicurio.ccompatUrl(), TIMEOUT).schemaById(id);

        assertThat(SchemaNormalization.parsingFingerprint64(fetched))
                .isEqualTo(SchemaNormalization.parsingFingerprint64(MetricEventBatch.getClassSchema()));
        assertThat(new SchemaRegistryClient(apicurio.ccompatUrl(), TIMEOUT).register(subject, MetricEventBatch.getClassSchema()))
                .as("registering the same schema again finds the same id").isEqualTo(id);
        assertThat(client.register("it-" + UUID.randomUUID() + "-value", Aggregate.getClassSchema())).isNotEqualTo(id);
    }

    @Test
    @Order(2)
    void bothRecordTypesRoundTripInConfluentFraming() {
        String topic = "it-events-" + UUID.randomUUID();
        AvroCodec<MetricEventBatch> events = MayflyCodecs.events(client, topic);
        AvroCodec<Aggregate> aggregates = MayflyCodecs.aggregates(client, "it-aggregates-" + UUID.randomUUID());
        MetricEventBatch batch = Samples.batch("e-1");

        byte[] bytes = events.encode(batch);

        assertThat(bytes[0]).isZero();
        assertThat(MayflyCodecs.events(new SchemaRegistryClient(apicurio.ccompatUrl(), TIMEOUT), topic).decode(bytes)).isEqualTo(batch);
        assertThat(aggregates.decode(aggregates.encode(Samples.aggregate()))).isEqualTo(Samples.aggregate());
    }

    @Test
    @Order(3)
    void aBatchWrittenWithAnOlderSchemaReadsThroughItsRegistryId() throws IOException {
        Schema older;
        try (InputStream in = getClass().getResourceAsStream("/older/MetricEventBatch-v0.avsc")) {
            older = new Schema.Parser().parse(in);
        }
        int olderId = client.register("it-older-" + UUID.randomUUID() + "-value", older);
        GenericRecord record = new org.apache.avro.generic.GenericRecordBuilder(older)
                .set("event_id", "old-1")
                .set("source", new org.apache.avro.generic.GenericRecordBuilder(older.getField("source").schema()).set("job", "old-job").build())
                .set("emit_time", 1_700_000_000_000L)
                .set("points", java.util.List.of())
                .build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[]{0, (byte) (olderId >>> 24), (byte) (olderId >>> 16), (byte) (olderId >>> 8), (byte) olderId});
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(older).write(record, encoder);
        encoder.flush();

        MetricEventBatch read = MayflyCodecs.events(new SchemaRegistryClient(apicurio.ccompatUrl(), TIMEOUT), "any").decode(out.toByteArray());

        assertThat(read.getEventId()).isEqualTo("old-1");
        assertThat(read.getSource().getJob()).isEqualTo("old-job");
        assertThat(read.getGroupingLabels()).isEmpty();
    }

    @Test
    @Order(4)
    void anUnknownIdIsA404WithTheRegistrysErrorCode() {
        assertThatThrownBy(() -> client.schemaById(987_654))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.status()).isEqualTo(404))
                .hasMessageContaining("404")
                .hasMessageContaining("error_code 40403")
                .hasMessageContaining("/schemas/ids/987654");

        byte[] unknownId = {0, 0, 0x0f, 0x12, 0x06, 2, 'x'};
        assertThatThrownBy(() -> MayflyCodecs.events(client, "any").decode(unknownId))
                .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.reason()).isEqualTo("unknown_schema"));
    }

    @Test
    @Order(5)
    void aRegistryThatNeverAnswersFailsWithinTheTimeout() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // connections complete in the backlog; nothing is ever read or answered
            SchemaRegistryClient slow = new SchemaRegistryClient("http://127.0.0.1:" + silent.getLocalPort(), Duration.ofMillis(500));
            long start = System.nanoTime();

            assertThatThrownBy(() -> slow.schemaById(1))
                    .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.status()).isZero())
                    .hasMessageContaining("timed out after 500 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            assertThatThrownBy(() -> slow.register("s", MetricEventBatch.getClassSchema()))
                    .hasMessageContaining("timed out after 500 ms");
        }
    }

    @Test
    @Order(6)
    void aServerErrorIsReportedWithStatusCodeAndMessage() {
        try (FakeRegistry failing = new FakeRegistry()) {
            failing.failWith(500, "{\"error_code\":50001,\"message\":\"Error in the backend data store\"}");
            SchemaRegistryClient c = new SchemaRegistryClient(failing.url(), TIMEOUT);

            assertThatThrownBy(() -> c.register("s-value", MetricEventBatch.getClassSchema()))
                    .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.status()).isEqualTo(500))
                    .hasMessage("schema registry answered 500 (error_code 50001) to POST " + failing.url()
                            + "/subjects/s-value/versions: Error in the backend data store");
        }
    }

    @Test
    @Order(7)
    void apicuriosDeserializerReadsOurConfluentBytes() {
        String topic = "it-interop-" + UUID.randomUUID();
        MetricEventBatch batch = Samples.batch("e-ours");
        byte[] ours = MayflyCodecs.events(client, topic).encode(batch);

        try (AvroKafkaDeserializer<MetricEventBatch> theirs = new AvroKafkaDeserializer<>()) {
            Map<String, Object> config = apicurioSerdeConfig();
            config.put(AvroKafkaSerdeConfig.USE_SPECIFIC_AVRO_READER, true);
            theirs.configure(config, false);

            MetricEventBatch read = theirs.deserialize(topic, ours);

            assertThat(batch).isEqualTo(read);
        }
    }

    @Test
    @Order(8)
    void ourCodecReadsApicuriosSerializerBytes() {
        String topic = "it-interop-" + UUID.randomUUID();
        MetricEventBatch batch = Samples.batch("e-theirs");

        try (AvroKafkaSerializer<MetricEventBatch> theirs = new AvroKafkaSerializer<>()) {
            theirs.configure(apicurioSerdeConfig(), false);
            byte[] bytes = theirs.serialize(topic, batch);

            assertThat(bytes[0]).as("Confluent magic byte").isZero();
            assertThat(bytes.length).isEqualTo(MayflyCodecs.events(client, topic).encode(batch).length);
            assertThat(MayflyCodecs.events(new SchemaRegistryClient(apicurio.ccompatUrl(), TIMEOUT), topic).decode(bytes)).isEqualTo(batch);
        }
    }

    @Test
    @Order(100)
    void lookupsAreCachedAndAnUnreachableRegistryIsAClearError() {
        String subject = "it-cache-" + UUID.randomUUID() + "-value";
        int id = client.register(subject, MetricEventBatch.getClassSchema());
        client.schemaById(id);
        byte[] bytes = MayflyCodecs.events(client, "it-cache-" + UUID.randomUUID()).encode(Samples.batch("c"));
        String url = apicurio.ccompatUrl();

        apicurio.close();

        assertThat(client.register(subject, MetricEventBatch.getClassSchema())).as("cached register, no request").isEqualTo(id);
        assertThat(client.schemaById(id)).as("cached lookup, no request").isNotNull();
        SchemaRegistryClient fresh = new SchemaRegistryClient(url, TIMEOUT);
        long start = System.nanoTime();
        assertThatThrownBy(() -> fresh.schemaById(id))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.status()).isZero())
                .hasMessageStartingWith("schema registry GET " + url + "/schemas/ids/" + id + " failed: java.net.ConnectException");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TIMEOUT);
        assertThatThrownBy(() -> MayflyCodecs.events(new SchemaRegistryClient(url, TIMEOUT), "any").decode(bytes))
                .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.reason()).isEqualTo("registry_error"));
    }

    /** Apicurio's serde speaking the Confluent framing: no headers, 4-byte ids that are content ids (as ccompat's). */
    private static Map<String, Object> apicurioSerdeConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put(SerdeConfig.REGISTRY_URL, apicurio.coreApiUrl());
        config.put(SerdeConfig.ENABLE_HEADERS, false);
        config.put(SerdeConfig.ENABLE_CONFLUENT_ID_HANDLER, true);
        config.put(SerdeConfig.USE_ID, "contentId");
        config.put(SerdeConfig.AUTO_REGISTER_ARTIFACT, true);
        return config;
    }
}
