package dev.mayfly.schemas.codec;

import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.NativeHistogramValue;
import dev.mayfly.schemas.avro.Source;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.Encoder;

import java.io.IOException;
import java.time.Instant;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link MetricEventBatch} in Avro binary encoding, byte for byte as {@code SpecificDatumWriter} does, for
 * exactly the schema of {@code src/main/avro/MetricEventBatch.avsc} whose fingerprint is {@link #PARSING_FINGERPRINT}
 * (see {@link HandWrittenWriters}). Fields in schema order; a {@code ["null", X]} union as index 0, or index 1 and
 * the X; an enum as its symbol's index (the generated enum's ordinal); {@code timestamp-millis} as its long.
 *
 * <p>An invalid record (a null required field, a null map value or list element) throws a RuntimeException, possibly
 * after writing part of it; {@link AvroCodec} then discards the output and lets SpecificDatumWriter report it.
 *
 * <p><b>When MetricEventBatch.avsc changes</b>, update {@link #write} (and the helpers) to the new schema, then the
 * two constants below to the values {@code HandWrittenWritersTest} prints. Until then codecs use SpecificDatumWriter.
 */
final class MetricEventBatchWriter implements DatumWriter<MetricEventBatch> {
    /** {@code SchemaNormalization.parsingFingerprint64} of the schema this writer was written for. */
    static final long PARSING_FINGERPRINT = 0x18ca517324d2366eL;
    /** {@link HandWrittenWriters#logicalTypes} of the schema this writer was written for. */
    static final String LOGICAL_TYPES = "/emit_time=timestamp-millis,/points[]/start_time|1=timestamp-millis";

    static boolean writes(Schema schema) {
        return HandWrittenWriters.matches(schema, PARSING_FINGERPRINT, LOGICAL_TYPES);
    }

    @Override
    public void setSchema(Schema schema) {
        HandWrittenWriters.require(getClass(), writes(schema), schema);
    }

    @Override
    public void write(MetricEventBatch batch, Encoder out) throws IOException {
        out.writeString(batch.getEventId());                          // event_id: string
        Source source = batch.getSource();                            // source: Source
        out.writeString(source.getJob());                             //   job: string
        optionalString(source.getFunction(), out);                    //   function: ["null", string]
        optionalString(source.getRegion(), out);                      //   region: ["null", string]
        optionalString(source.getInstance(), out);                    //   instance: ["null", string]
        out.writeLong(batch.getEmitTime().toEpochMilli());            // emit_time: timestamp-millis
        out.writeEnum(batch.getOperation().ordinal());                // operation: Operation
        stringMap(batch.getGroupingLabels(), out);                    // grouping_labels: map<string>
        array(batch.getPoints(), MetricEventBatchWriter::point, out); // points: array<MetricPoint>
    }

    private static void point(MetricPoint point, Encoder out) throws IOException {
        out.writeString(point.getName());                             // name: string
        optionalString(point.getHelp(), out);                         // help: ["null", string]
        optionalString(point.getUnit(), out);                         // unit: ["null", string]
        out.writeEnum(point.getType().ordinal());                     // type: MetricType
        stringMap(point.getLabels(), out);                            // labels: map<string>
        out.writeDouble(point.getValue());                            // value: double
        out.writeEnum(point.getTemporality().ordinal());              // temporality: Temporality
        optionalString(point.getStreamId(), out);                     // stream_id: ["null", string]
        optionalTimestampMillis(point.getStartTime(), out);           // start_time: ["null", timestamp-millis]
        HistogramValue histogram = point.getHistogram();              // histogram: ["null", HistogramValue]
        if (histogram == null) {
            out.writeIndex(0);
        } else {
            out.writeIndex(1);
            histogram(histogram, out);
        }
        if (point.getAggregation() == null) {                         // aggregation: ["null", Aggregation]
            out.writeIndex(0);
        } else {
            out.writeIndex(1);
            out.writeEnum(point.getAggregation().ordinal());
        }
        optionalNativeHistogram(point.getNativeHistogram(), out);     // native_histogram: ["null", NativeHistogramValue]
    }

    /** A {@code ["null", NativeHistogramValue]} union (also used by {@link AggregateWriter}: the same named type). */
    static void optionalNativeHistogram(NativeHistogramValue histogram, Encoder out) throws IOException {
        if (histogram == null) {
            out.writeIndex(0);
            return;
        }
        out.writeIndex(1);
        out.writeInt(histogram.getScale());                           // scale: int
        out.writeDouble(histogram.getZeroThreshold());                // zero_threshold: double
        out.writeLong(histogram.getZeroCount());                      // zero_count: long
        out.writeInt(histogram.getPositiveOffset());                  // positive_offset: int
        array(histogram.getPositiveCounts(), (count, o) -> o.writeLong(count), out); // positive_counts: array<long>
        out.writeInt(histogram.getNegativeOffset());                  // negative_offset: int
        array(histogram.getNegativeCounts(), (count, o) -> o.writeLong(count), out); // negative_counts: array<long>
        out.writeDouble(histogram.getSum());                          // sum: double
        out.writeLong(histogram.getCount());                          // count: long
    }

    /** A HistogramValue record (also used by {@link AggregateWriter}: the same named type). */
    static void histogram(HistogramValue histogram, Encoder out) throws IOException {
        array(histogram.getBounds(), (bound, o) -> o.writeDouble(bound), out);      // bounds: array<double>
        array(histogram.getBucketCounts(), (count, o) -> o.writeLong(count), out); // bucket_counts: array<long>
        out.writeDouble(histogram.getSum());                          // sum: double
        out.writeLong(histogram.getCount());                          // count: long
    }

    /** A {@code ["null", string]} union. */
    static void optionalString(String value, Encoder out) throws IOException {
        if (value == null) {
            out.writeIndex(0);
        } else {
            out.writeIndex(1);
            out.writeString(value);
        }
    }

    /** A {@code ["null", {"type": "long", "logicalType": "timestamp-millis"}]} union. */
    static void optionalTimestampMillis(Instant value, Encoder out) throws IOException {
        if (value == null) {
            out.writeIndex(0);
        } else {
            out.writeIndex(1);
            out.writeLong(value.toEpochMilli());
        }
    }

    /** Writes one item of an array. */
    @FunctionalInterface
    interface ItemWriter<T> {
        void write(T item, Encoder out) throws IOException;
    }

    /** An array: its items as one block (as GenericDatumWriter writes it). */
    static <T> void array(List<T> items, ItemWriter<T> item, Encoder out) throws IOException {
        int size = items.size();
        int written = 0;
        out.writeArrayStart();
        out.setItemCount(size);
        for (T element : items) {
            out.startItem();
            item.write(element, out);
            written++;
        }
        out.writeArrayEnd();
        checkSize("array", size, written);
    }

    /** A map of strings, in the map's iteration order (as GenericDatumWriter writes it). */
    static void stringMap(Map<String, String> map, Encoder out) throws IOException {
        int size = map.size();
        int written = 0;
        out.writeMapStart();
        out.setItemCount(size);
        for (Map.Entry<String, String> entry : map.entrySet()) {
            out.startItem();
            out.writeString(entry.getKey());
            out.writeString(entry.getValue());
            written++;
        }
        out.writeMapEnd();
        checkSize("map", size, written);
    }

    /** The block count was written first: a collection that changed meanwhile made invalid bytes. */
    static void checkSize(String what, int size, int written) {
        if (size != written) {
            throw new ConcurrentModificationException("size of " + what + " written was " + size + ", but " + written + " items were written");
        }
    }
}
