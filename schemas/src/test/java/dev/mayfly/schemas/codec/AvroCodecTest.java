package dev.mayfly.schemas.codec;

import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.registry.SchemaRegistryClient;
import dev.mayfly.schemas.testing.FakeRegistry;
import dev.mayfly.schemas.testing.Samples;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AvroCodecTest {
    private final FakeRegistry fake = new FakeRegistry();
    private final SchemaRegistryClient registry = new SchemaRegistryClient(fake.url(), Duration.ofSeconds(2));

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void batchRoundTripsInSingleObjectEncoding() {
        AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(null, "events");
        MetricEventBatch batch = Samples.batch("e-1");

        byte[] bytes = codec.encode(batch);

        assertThat(codec.writeFraming()).isEqualTo(Framing.SINGLE_OBJECT);
        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(fingerprint).isEqualTo(SchemaNormalization.parsingFingerprint64(MetricEventBatch.getClassSchema()));
        assertThat(codec.decode(bytes)).isEqualTo(batch);
    }

    @Test
    void aggregateRoundTripsInSingleObjectEncoding() {
        AvroCodec<Aggregate> codec = MayflyCodecs.aggregates(null, "aggregates");
        Aggregate aggregate = Samples.aggregate();

        assertThat(codec.decode(codec.encode(aggregate))).isEqualTo(aggregate);
    }

    @Test
    void batchRoundTripsInConfluentFramingWithBigEndianSchemaId() {
        AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(registry, "events");
        MetricEventBatch batch = Samples.batch("e-2");

        byte[] bytes = codec.encode(batch);

        assertThat(codec.writeFraming()).isEqualTo(Framing.CONFLUENT);
        int id = registry.register("events-value", MetricEventBatch.getClassSchema());
        assertThat(id).isEqualTo(258);
        assertThat(Arrays.copyOfRange(bytes, 0, 5)).containsExactly(0, 0, 0, 1, 2);
        assertThat(codec.decode(bytes)).isEqualTo(batch);
        assertThat(MayflyCodecs.events(new SchemaRegistryClient(fake.url(), Duration.ofSeconds(2)), "other").decode(bytes))
                .as("a fresh reader fetches the writer schema by id").isEqualTo(batch);
    }

    @Test
    void aggregateRoundTripsInConfluentFraming() {
        AvroCodec<Aggregate> codec = MayflyCodecs.aggregates(registry, "aggregates");
        Aggregate aggregate = Samples.aggregate();

        byte[] bytes = codec.encode(aggregate);

        assertThat(Framing.detect(bytes)).isEqualTo(Framing.CONFLUENT);
        assertThat(codec.decode(bytes)).isEqualTo(aggregate);
    }

    @Test
    void encodingRegistersTheSchemaOnceAndCachesTheId() {
        AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(registry, "events");
        codec.encode(Samples.batch("a"));
        int requests = fake.requests();

        codec.encode(Samples.batch("b"));
        codec.decode(codec.encode(Samples.batch("c")));

        assertThat(fake.requests()).isEqualTo(requests);
    }

    @Test
    void everyReaderReadsBothFramings() {
        MetricEventBatch batch = Samples.batch("e-3");
        byte[] singleObject = MayflyCodecs.events(null, "events").encode(batch);
        byte[] confluent = MayflyCodecs.events(registry, "events").encode(batch);

        AvroCodec<MetricEventBatch> singleObjectWriter = MayflyCodecs.events(registry, "events");
        assertThat(singleObjectWriter.decode(singleObject)).isEqualTo(batch);
        assertThat(singleObjectWriter.decode(confluent)).isEqualTo(batch);
        AvroCodec<MetricEventBatch> readerWithRegistry = AvroCodec.singleObject(MetricEventBatch.getClassSchema(), registry);
        assertThat(readerWithRegistry.decode(confluent)).isEqualTo(batch);
    }

    @Test
    void singleObjectBytesMatchAvrosOwnMessageEncoding() throws java.io.IOException {
        MetricEventBatch batch = Samples.batch("e-4");
        SpecificData model = SpecificData.getForSchema(MetricEventBatch.getClassSchema());
        byte[] ours = MayflyCodecs.events(null, "events").encode(batch);
        ByteBuffer avros = new BinaryMessageEncoder<MetricEventBatch>(model, MetricEventBatch.getClassSchema()).encode(batch);

        assertThat(ByteBuffer.wrap(ours)).isEqualTo(avros);
        // batch.equals(decoded), not the reverse: Avro's own decoder returns GenericData.Array lists, whose equals()
        // ignores logical-type conversions (our codec returns ArrayLists)
        assertThat(batch).isEqualTo(new BinaryMessageDecoder<MetricEventBatch>(model, MetricEventBatch.getClassSchema()).decode(ours));
    }

    @Test
    void framingIsDetectedFromTheFirstBytes() {
        assertThat(Framing.detect(MayflyCodecs.events(null, "t").encode(Samples.batch("x")))).isEqualTo(Framing.SINGLE_OBJECT);
        assertThat(Framing.detect(new byte[]{0, 0, 0, 0, 7, 2})).isEqualTo(Framing.CONFLUENT);
        assertThat(Framing.detect("{\"json\":1}".getBytes())).isNull();
        assertThat(Framing.detect(new byte[0])).isNull();
        assertThat(Framing.detect(null)).isNull();
        assertThat(Framing.detect(new byte[]{(byte) 0xC3, 0x01, 1})).as("too short for a header").isNull();
    }

    @Test
    void emptyBytesAreRejectedAsEmpty() {
        AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(registry, "events");

        assertReason(() -> codec.decode(new byte[0]), "empty");
        assertReason(() -> codec.decode(null), "empty");
    }

    @Test
    void garbageIsRejectedAsUnknownFraming() {
        AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(null, "events");

        DecodeException e = assertReason(() -> codec.decode("requests_total 3\n".getBytes()), "unknown_framing");
        assertThat(e.getMessage()).contains("72657175"); // the first bytes, in hex
    }

    @Test
    void truncatedHeadersAndBodiesAreRejectedAsTruncated() {
        AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(registry, "events");
        byte[] singleObject = MayflyCodecs.events(null, "events").encode(Samples.batch("t"));
        byte[] confluent = codec.encode(Samples.batch("t"));

        assertReason(() -> codec.decode(Arrays.copyOf(singleObject, 6)), "truncated");
        assertReason(() -> codec.decode(Arrays.copyOf(singleObject, singleObject.length - 1)), "truncated");
        assertReason(() -> codec.decode(Arrays.copyOf(confluent, 3)), "truncated");
        assertReason(() -> codec.decode(Arrays.copyOf(confluent, confluent.length - 1)), "truncated");
    }

    @Test
    void trailingBytesAreRejectedAsMalformed() {
        AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(registry, "events");
        byte[] confluent = codec.encode(Samples.batch("t"));
        byte[] singleObject = MayflyCodecs.events(null, "events").encode(Samples.batch("t"));

        assertReason(() -> codec.decode(Arrays.copyOf(confluent, confluent.length + 3)), "malformed_avro");
        assertReason(() -> codec.decode(Arrays.copyOf(singleObject, singleObject.length + 3)), "malformed_avro");
    }

    @Test
    void declaredLengthsBeyondAnyRecordAreMalformedWithoutAllocatingThem() {
        AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(null, "events");
        byte[] valid = codec.encode(Samples.batch("t"));
        // event_id declared 1,000,000,000 bytes long (zigzag varint of 2e9), the rest of the body unchanged
        byte[] hugeString = concat(Arrays.copyOf(valid, 10), new byte[]{(byte) 0x80, (byte) 0xA8, (byte) 0xD6, (byte) 0xB9, 0x07},
                Arrays.copyOfRange(valid, 11, valid.length));
        // a batch without points whose points array declares 2^30 of them (zigzag varint of 2^31)
        byte[] noPoints = codec.encode(MetricEventBatch.newBuilder(Samples.batch("t")).setPoints(java.util.List.of()).build());
        assertThat(noPoints[noPoints.length - 1]).isZero();
        byte[] hugeArray = concat(Arrays.copyOf(noPoints, noPoints.length - 1), new byte[]{(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08});

        for (byte[] bomb : java.util.List.of(hugeString, hugeArray)) {
            assertThat(new FastEventsDecoder().tryDecode(bomb)).isNull();
            assertThat(assertReason(() -> codec.decode(bomb), "malformed_avro").getMessage()).contains("SystemLimitException");
        }
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void aBodyOfTheWrongShapeIsRejectedAsMalformed() {
        byte[] bytes = MayflyCodecs.events(null, "events").encode(Samples.batch("t"));
        bytes[10] = (byte) 0x01; // event_id length -1: not a string

        assertReason(() -> MayflyCodecs.events(null, "events").decode(bytes), "malformed_avro");
    }

    @Test
    void anUnknownFingerprintIsRejectedAsUnknownSchema() {
        byte[] bytes = MayflyCodecs.events(null, "events").encode(Samples.batch("t"));
        bytes[5] ^= 0x55;

        assertReason(() -> MayflyCodecs.events(null, "events").decode(bytes), "unknown_schema");
    }

    @Test
    void confluentBytesWithoutARegistryAreRejectedAsNoRegistry() {
        byte[] bytes = MayflyCodecs.events(registry, "events").encode(Samples.batch("t"));

        assertReason(() -> MayflyCodecs.events(null, "events").decode(bytes), "no_registry");
    }

    @Test
    void anIdTheRegistryDoesNotKnowIsUnknownSchemaAndAFailingRegistryIsRegistryError() {
        byte[] unknownId = {0, 0, 0, 0x7f, 0x7f, 2, 'x'};
        assertReason(() -> MayflyCodecs.events(registry, "events").decode(unknownId), "unknown_schema");

        byte[] bytes = MayflyCodecs.events(new SchemaRegistryClient(fake.url(), Duration.ofSeconds(2)), "events").encode(Samples.batch("t"));
        fake.failWith(503, "{\"error_code\":50003,\"message\":\"storage unavailable\"}");
        DecodeException e = assertReason(() -> MayflyCodecs.events(new SchemaRegistryClient(fake.url(), Duration.ofSeconds(2)), "events").decode(bytes),
                "registry_error");
        assertThat(e.getMessage()).contains("503").contains("storage unavailable");
    }

    @Test
    void aWriterSchemaThatCannotBeReadIsRejectedAsIncompatible() {
        Schema unrelated = SchemaBuilder.record("MetricEventBatch").namespace("dev.mayfly.schemas.avro").fields()
                .requiredLong("event_id").endRecord();
        int id = fake.put(unrelated.toString());
        byte[] bytes = {0, 0, 0, (byte) (id >>> 8), (byte) id, 2};

        assertReason(() -> MayflyCodecs.events(registry, "events").decode(bytes), "incompatible_schema");
        assertThatThrownBy(() -> MayflyCodecs.events(null, "events").withKnownWriterSchema(unrelated))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be read as the current");
    }

    private static DecodeException assertReason(Runnable decode, String reason) {
        try {
            decode.run();
        } catch (DecodeException e) {
            assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
            assertThat(e.getMessage()).startsWith(reason + ": ").doesNotContain("\n");
            return e;
        }
        throw new AssertionError("expected a DecodeException " + reason);
    }
}
