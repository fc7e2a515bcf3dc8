package dev.mayfly.schemas.codec;

import dev.mayfly.schemas.SchemaHistory;
import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.registry.SchemaRegistryClient;
import dev.mayfly.schemas.testing.FakeRegistry;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The compatibility rule of Mayfly's schemas is BACKWARD: a reader with the current schema reads every released
 * version (see schemas/README.md).
 */
class SchemaCompatibilityTest {

    @ParameterizedTest
    @ValueSource(strings = {"MetricEventBatch", "Aggregate"})
    void theCurrentSchemaReadsEveryReleasedVersion(String recordName) {
        Schema current = current(recordName);
        List<Schema> released = SchemaHistory.released(recordName);

        assertThat(released).as("released versions of " + recordName).isNotEmpty();
        for (int i = 0; i < released.size(); i++) {
            SchemaCompatibility.SchemaPairCompatibility result =
                    SchemaCompatibility.checkReaderWriterCompatibility(current, released.get(i));
            assertThat(result.getType()).as(recordName + " v" + (i + 1) + ": " + result.getDescription())
                    .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"MetricEventBatch", "Aggregate"})
    void theCurrentSchemaIsTheNewestReleasedVersion(String recordName) {
        List<Schema> released = SchemaHistory.released(recordName);

        assertThat(SchemaNormalization.parsingFingerprint64(released.get(released.size() - 1)))
                .as("changed " + recordName + ".avsc? add it as history/" + recordName + "/v" + (released.size() + 1)
                        + ".avsc (see schemas/README.md)")
                .isEqualTo(SchemaNormalization.parsingFingerprint64(current(recordName)));
    }

    @Test
    void theCheckRejectsAFieldAddedWithoutADefault() {
        Schema current = MetricEventBatch.getClassSchema();
        Schema withRequiredField = new Schema.Parser().parse(current.toString().replaceFirst(
                "\\{\"name\":\"emit_time\"", "{\"name\":\"tenant\",\"type\":\"string\"},{\"name\":\"emit_time\""));

        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(withRequiredField, current).getType())
                .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    @Test
    void aBatchWrittenWithAnOlderSchemaReadsInSingleObjectEncoding() throws IOException {
        Schema older = olderBatchSchema();
        GenericRecord record = olderBatch(older);
        ByteBuffer bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), older).encode(record);
        byte[] encoded = new byte[bytes.remaining()];
        bytes.get(encoded);

        MetricEventBatch read = MayflyCodecs.events(null, "events").withKnownWriterSchema(older).decode(encoded);

        assertOlderBatchReadWithDefaults(read);
    }

    @Test
    void aBatchWrittenWithAnUnknownOlderSchemaIsUnknownSchema() throws IOException {
        Schema older = olderBatchSchema();
        ByteBuffer bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), older).encode(olderBatch(older));
        byte[] encoded = new byte[bytes.remaining()];
        bytes.get(encoded);

        DecodeException e = org.junit.jupiter.api.Assertions.assertThrows(DecodeException.class,
                () -> MayflyCodecs.events(null, "events").decode(encoded));
        assertThat(e.reason()).isEqualTo("unknown_schema");
    }

    @Test
    void aBatchWrittenWithAnOlderSchemaReadsInConfluentFraming() throws IOException {
        Schema older = olderBatchSchema();
        try (FakeRegistry fake = new FakeRegistry()) {
            SchemaRegistryClient registry = new SchemaRegistryClient(fake.url(), Duration.ofSeconds(2));
            int olderId = registry.register("events-value", older);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(new byte[]{0, (byte) (olderId >>> 24), (byte) (olderId >>> 16), (byte) (olderId >>> 8), (byte) olderId});
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(older).write(olderBatch(older), encoder);
            encoder.flush();

            MetricEventBatch read = MayflyCodecs.events(new SchemaRegistryClient(fake.url(), Duration.ofSeconds(2)), "events")
                    .decode(out.toByteArray());

            assertOlderBatchReadWithDefaults(read);
        }
    }

    static Schema olderBatchSchema() {
        try (InputStream in = SchemaCompatibilityTest.class.getResourceAsStream("/older/MetricEventBatch-v0.avsc")) {
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static GenericRecord olderBatch(Schema older) {
        Schema source = older.getField("source").schema();
        Schema point = older.getField("points").schema().getElementType();
        GenericRecord p = new GenericData.Record(point);
        p.put("name", "requests_total");
        p.put("type", new GenericData.EnumSymbol(point.getField("type").schema(), "COUNTER"));
        p.put("labels", Map.of("route", "/"));
        p.put("value", 2.0);
        p.put("temporality", new GenericData.EnumSymbol(point.getField("temporality").schema(), "DELTA"));
        GenericRecord s = new GenericData.Record(source);
        s.put("job", "old-job");
        GenericRecord batch = new GenericData.Record(older);
        batch.put("event_id", "old-1");
        batch.put("source", s);
        batch.put("emit_time", 1_700_000_000_000L);
        batch.put("points", List.of(p));
        return batch;
    }

    private static void assertOlderBatchReadWithDefaults(MetricEventBatch read) {
        assertThat(read.getEventId()).isEqualTo("old-1");
        assertThat(read.getSource().getJob()).isEqualTo("old-job");
        assertThat(read.getEmitTime()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_000L));
        assertThat(read.getOperation()).isEqualTo(Operation.RECORD);
        assertThat(read.getGroupingLabels()).isEmpty();
        assertThat(read.getPoints()).hasSize(1);
        assertThat(read.getPoints().get(0).getValue()).isEqualTo(2.0);
        assertThat(read.getPoints().get(0).getLabels()).containsEntry("route", "/");
        assertThat(read.getPoints().get(0).getStartTime()).isNull();
        assertThat(read.getPoints().get(0).getAggregation()).isNull();
    }

    private static Schema current(String recordName) {
        return switch (recordName) {
            case "MetricEventBatch" -> MetricEventBatch.getClassSchema();
            case "Aggregate" -> Aggregate.getClassSchema();
            default -> SchemaBuilder.record(recordName).fields().endRecord();
        };
    }
}
