package dev.mayfly.schemas.codec;

import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.testing.FakeRegistry;
import dev.mayfly.schemas.testing.Samples;
import dev.mayfly.schemas.registry.SchemaRegistryClient;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The guard that keeps the hand-written writers to the schemas they were written for, and how codecs use them. */
class HandWrittenWritersTest {

    @Test
    void metricEventBatchWriterIsWrittenForTheCurrentSchema() {
        Schema current = MetricEventBatch.getClassSchema();
        long fingerprint = SchemaNormalization.parsingFingerprint64(current);
        assertThat(MetricEventBatchWriter.PARSING_FINGERPRINT)
                .as("MetricEventBatch.avsc changed: update MetricEventBatchWriter.write to the new schema (every field in "
                        + "schema order, union branch order, enum symbols), then set MetricEventBatchWriter.PARSING_FINGERPRINT "
                        + "to 0x%sL", Long.toHexString(fingerprint))
                .isEqualTo(fingerprint);
        assertThat(MetricEventBatchWriter.LOGICAL_TYPES)
                .as("the logical types of MetricEventBatch.avsc changed: update MetricEventBatchWriter.write (how each "
                        + "value is converted), then set MetricEventBatchWriter.LOGICAL_TYPES to the value shown")
                .isEqualTo(HandWrittenWriters.logicalTypes(current));
        assertThat(MetricEventBatchWriter.writes(current)).isTrue();
    }

    @Test
    void aggregateWriterIsWrittenForTheCurrentSchema() {
        Schema current = Aggregate.getClassSchema();
        long fingerprint = SchemaNormalization.parsingFingerprint64(current);
        assertThat(AggregateWriter.PARSING_FINGERPRINT)
                .as("Aggregate.avsc (or a type it uses from MetricEventBatch.avsc) changed: update AggregateWriter.write "
                        + "to the new schema, then set AggregateWriter.PARSING_FINGERPRINT to 0x%sL", Long.toHexString(fingerprint))
                .isEqualTo(fingerprint);
        assertThat(AggregateWriter.LOGICAL_TYPES)
                .as("the logical types of Aggregate.avsc changed: update AggregateWriter.write (how each value is "
                        + "converted), then set AggregateWriter.LOGICAL_TYPES to the value shown")
                .isEqualTo(HandWrittenWriters.logicalTypes(current));
        assertThat(AggregateWriter.writes(current)).isTrue();
    }

    @Test
    void logicalTypesNameEachWithItsPlace() {
        assertThat(HandWrittenWriters.logicalTypes(MetricEventBatch.getClassSchema()))
                .isEqualTo("/emit_time=timestamp-millis,/points[]/start_time|1=timestamp-millis");
    }

    @Test
    void mayflyCodecsUseTheHandWrittenWritersInBothFramings() {
        try (FakeRegistry fake = new FakeRegistry()) {
            SchemaRegistryClient registry = new SchemaRegistryClient(fake.url(), Duration.ofSeconds(2));
            assertThat(MayflyCodecs.events(null, "events").usesHandWrittenWriter()).isTrue();
            assertThat(MayflyCodecs.events(registry, "events").usesHandWrittenWriter()).isTrue();
            assertThat(MayflyCodecs.aggregates(null, "aggregates").usesHandWrittenWriter()).isTrue();
            assertThat(MayflyCodecs.aggregates(registry, "aggregates").usesHandWrittenWriter()).isTrue();
        }
    }

    @Test
    void aChangedSchemaIsWrittenBySpecificDatumWriter() {
        String json = MetricEventBatch.getClassSchema().toString();
        Schema withExtraField = new Schema.Parser().parse(json.replace("{\"name\":\"event_id\"",
                "{\"name\":\"tenant\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"event_id\""));
        Schema otherUnionOrder = new Schema.Parser().parse(json.replace(
                "{\"name\":\"function\",\"type\":[\"null\",{\"type\":\"string\",\"avro.java.string\":\"String\"}]",
                "{\"name\":\"function\",\"type\":[{\"type\":\"string\",\"avro.java.string\":\"String\"},\"null\"]"));
        // the parsing canonical form leaves logical types out: same fingerprint, different bytes for the same Instant
        Schema micros = new Schema.Parser().parse(json.replace("timestamp-millis", "timestamp-micros"));

        assertThat(withExtraField).isNotEqualTo(MetricEventBatch.getClassSchema());
        assertThat(otherUnionOrder).isNotEqualTo(MetricEventBatch.getClassSchema());
        assertThat(SchemaNormalization.parsingFingerprint64(micros)).isEqualTo(MetricEventBatchWriter.PARSING_FINGERPRINT);
        for (Schema changed : List.of(withExtraField, otherUnionOrder, micros)) {
            assertThat(HandWrittenWriters.forSchema(changed)).isNull();
            assertThat(AvroCodec.singleObject(changed, null).usesHandWrittenWriter()).isFalse();
            assertThatThrownBy(() -> new MetricEventBatchWriter().setSchema(changed)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(HandWrittenWriters.forSchema(MetricPoint.getClassSchema())).isNull();
    }

    @Test
    void writesTheSameBytesAsSpecificDatumWriterForTheSamples() throws IOException {
        assertThat(write(new MetricEventBatchWriter(), Samples.batch("e-1")))
                .isEqualTo(write(specific(MetricEventBatch.getClassSchema()), Samples.batch("e-1")));
        assertThat(write(new AggregateWriter(), Samples.aggregate()))
                .isEqualTo(write(specific(Aggregate.getClassSchema()), Samples.aggregate()));
    }

    @Test
    void anInvalidRecordFailsAsWithSpecificDatumWriterAndLeavesNothingForTheNextRecord() throws IOException {
        AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(null, "events");
        MetricEventBatch valid = Samples.batch("e-1");
        byte[] expected = codec.encode(valid);
        // points is the last field: the fields before it are already in the encoder's buffer when the write fails
        MetricEventBatch noPoints = MetricEventBatch.newBuilder(valid).build();
        noPoints.setPoints(null);
        MetricEventBatch nullLabelValue = MetricEventBatch.newBuilder(valid).build();
        Map<String, String> labels = new HashMap<>();
        labels.put("tenant", null);
        nullLabelValue.setGroupingLabels(labels);

        for (MetricEventBatch invalid : List.of(noPoints, nullLabelValue)) {
            Throwable specificFailure = catchThrowable(() -> write(specific(MetricEventBatch.getClassSchema()), invalid));
            assertThat(specificFailure).isNotNull();
            assertThatThrownBy(() -> codec.encode(invalid))
                    .isInstanceOf(specificFailure.getClass())
                    .hasMessage(specificFailure.getMessage());
            assertThat(codec.encode(valid)).as("the record after a failed one").isEqualTo(expected);
        }
        assertThat(codec.decode(expected)).isEqualTo(valid);
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void aRecordHoldingOtherClassesIsWrittenBySpecificDatumWriter() throws IOException {
        // Avro's own model puts Utf8 where a String is declared; SpecificDatumWriter writes any CharSequence
        MetricEventBatch batch = Samples.batch("e-1");
        Map polluted = new HashMap<>();
        polluted.put(new Utf8("tenant"), new Utf8("acme"));
        batch.setGroupingLabels(polluted);
        AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(null, "events");

        byte[] bytes = codec.encode(batch);

        byte[] body = Arrays.copyOfRange(bytes, 10, bytes.length);
        assertThat(body).isEqualTo(write(specific(MetricEventBatch.getClassSchema()), batch));
        assertThat(codec.decode(bytes)).isEqualTo(Samples.batch("e-1"));
    }

    @Test
    void aListChangedWhileWrittenFails() {
        List<Double> growing = new ArrayList<>(List.of(1.0)) {
            @Override
            public int size() {
                return 2;
            }
        };
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(new ByteArrayOutputStream(), null);
        dev.mayfly.schemas.avro.HistogramValue histogram = new dev.mayfly.schemas.avro.HistogramValue(growing, List.of(1L), 1.0, 1L);

        assertThatThrownBy(() -> MetricEventBatchWriter.histogram(histogram, encoder))
                .isInstanceOf(java.util.ConcurrentModificationException.class);
    }

    static <T> SpecificDatumWriter<T> specific(Schema schema) {
        return new SpecificDatumWriter<>(schema, SpecificData.getForSchema(schema));
    }

    static <T> byte[] write(DatumWriter<T> writer, T record) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        writer.write(record, encoder);
        encoder.flush();
        return bytes.toByteArray();
    }
}
