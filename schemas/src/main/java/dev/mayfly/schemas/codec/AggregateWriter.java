package dev.mayfly.schemas.codec;

import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.HistogramValue;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.Encoder;

import java.io.IOException;

import static dev.mayfly.schemas.codec.MetricEventBatchWriter.array;
import static dev.mayfly.schemas.codec.MetricEventBatchWriter.optionalString;
import static dev.mayfly.schemas.codec.MetricEventBatchWriter.optionalTimestampMillis;

/**
 * Writes an {@link Aggregate} in Avro binary encoding, byte for byte as {@code SpecificDatumWriter} does, for exactly
 * the schema of {@code src/main/avro/Aggregate.avsc} whose fingerprint is {@link #PARSING_FINGERPRINT} (see
 * {@link HandWrittenWriters} and {@link MetricEventBatchWriter}, whose conventions and helpers it shares).
 *
 * <p><b>When Aggregate.avsc (or a type it uses from MetricEventBatch.avsc) changes</b>, update {@link #write} to the
 * new schema, then the two constants below to the values {@code HandWrittenWritersTest} prints.
 */
final class AggregateWriter implements DatumWriter<Aggregate> {
    /** {@code SchemaNormalization.parsingFingerprint64} of the schema this writer was written for. */
    static final long PARSING_FINGERPRINT = 0xdefc78a6bf0f24ddL;
    /** {@link HandWrittenWriters#logicalTypes} of the schema this writer was written for. */
    static final String LOGICAL_TYPES = "/created_time=timestamp-millis,/updated_time=timestamp-millis,/window_start|1=timestamp-millis,/window_end|1=timestamp-millis";

    static boolean writes(Schema schema) {
        return HandWrittenWriters.matches(schema, PARSING_FINGERPRINT, LOGICAL_TYPES);
    }

    @Override
    public void setSchema(Schema schema) {
        HandWrittenWriters.require(getClass(), writes(schema), schema);
    }

    @Override
    public void write(Aggregate aggregate, Encoder out) throws IOException {
        out.writeString(aggregate.getName());                         // name: string
        array(aggregate.getLabels(), (label, o) -> {                  // labels: array<Label>
            o.writeString(label.getName());                           //   name: string
            o.writeString(label.getValue());                          //   value: string
        }, out);
        out.writeEnum(aggregate.getType().ordinal());                 // type: MetricType
        optionalString(aggregate.getHelp(), out);                     // help: ["null", string]
        optionalString(aggregate.getUnit(), out);                     // unit: ["null", string]
        out.writeEnum(aggregate.getAggregation().ordinal());          // aggregation: Aggregation
        out.writeDouble(aggregate.getValue());                        // value: double
        HistogramValue histogram = aggregate.getHistogram();          // histogram: ["null", HistogramValue]
        if (histogram == null) {
            out.writeIndex(0);
        } else {
            out.writeIndex(1);
            MetricEventBatchWriter.histogram(histogram, out);
        }
        out.writeLong(aggregate.getCreatedTime().toEpochMilli());     // created_time: timestamp-millis
        out.writeLong(aggregate.getUpdatedTime().toEpochMilli());     // updated_time: timestamp-millis
        optionalTimestampMillis(aggregate.getWindowStart(), out);     // window_start: ["null", timestamp-millis]
        optionalTimestampMillis(aggregate.getWindowEnd(), out);       // window_end: ["null", timestamp-millis]
        MetricEventBatchWriter.optionalNativeHistogram(aggregate.getNativeHistogram(), out); // native_histogram: ["null", NativeHistogramValue]
    }
}
