package dev.mayfly.schemas.codec;

import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.NativeHistogramValue;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A fast path for the commonest events record: Avro single-object encoding written with exactly the current
 * {@code MetricEventBatch} schema, the reading counterpart of {@link MetricEventBatchWriter} (same schema guard). It reads the Avro binary body field by field into the generated classes, without
 * schema resolution or reflection (the generic reader spends most of the ingest step there).
 *
 * <p>It only ever answers for the schema it was written for: {@link #tryDecode} returns null (the caller then uses
 * the codec from {@link MayflyCodecs#events}) when the framing, the writer fingerprint or the current class schema
 * differs, or when anything at all is wrong with the bytes, so errors and every other case keep the codec's behaviour.
 * {@code FastEventsDecoderPropertyTest} checks that it decodes exactly what the codec decodes. Thread-confined.
 */
public final class FastEventsDecoder {
    static {
        AvroLimits.apply(); // before anything is decoded: no declared length may exhaust the heap
    }

    /**
     * The reader follows field by field the schema {@link MetricEventBatchWriter} writes: one fingerprint and one set
     * of logical types for both fast paths ({@link MetricEventBatchWriter#PARSING_FINGERPRINT}).
     */
    private static final boolean CURRENT_SCHEMA_IS_KNOWN = MetricEventBatchWriter.writes(MetricEventBatch.getClassSchema());
    private static final MetricType[] TYPES = MetricType.values();
    private static final Temporality[] TEMPORALITIES = Temporality.values();
    private static final Aggregation[] AGGREGATIONS = Aggregation.values();
    private static final Operation[] OPERATIONS = Operation.values();

    /** Names, help, units and label texts recur across points and batches: one shared String each (hash computed once). */
    private static final int TEXT_CACHE_LIMIT = 16_384;
    /** Longer texts are decoded each time: the cache stays within ~16k x 256 bytes whatever a record holds. */
    private static final int MAX_CACHED_TEXT_BYTES = 256;
    private final Map<Utf8, String> texts = new HashMap<>();
    private Utf8 scratch = new Utf8();
    private BinaryDecoder decoder;

    /** Whether the fast path is usable at all with the schemas on the class path. */
    public static boolean available() {
        return CURRENT_SCHEMA_IS_KNOWN && TYPES.length == 5 && TEMPORALITIES.length == 2 && AGGREGATIONS.length == 4
                && OPERATIONS.length == 2;
    }

    /** The batch, or null when the fast path does not apply (the caller decodes with the codec). */
    public MetricEventBatch tryDecode(byte[] bytes) {
        if (!available() || bytes == null || bytes.length < 11 || bytes[0] != (byte) 0xC3 || bytes[1] != 0x01
                || fingerprint(bytes) != MetricEventBatchWriter.PARSING_FINGERPRINT) {
            return null;
        }
        try {
            decoder = DecoderFactory.get().binaryDecoder(bytes, 10, bytes.length - 10, decoder);
            MetricEventBatch batch = readBatch(decoder);
            return decoder.isEnd() ? batch : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long fingerprint(byte[] bytes) {
        long fp = 0;
        for (int i = 0; i < 8; i++) {
            fp |= (bytes[2 + i] & 0xFFL) << (8 * i);
        }
        return fp;
    }

    private MetricEventBatch readBatch(BinaryDecoder in) throws IOException {
        String eventId = in.readString();
        Source source = new Source(in.readString(), optionalString(in), optionalString(in), optionalString(in));
        Instant emitTime = Instant.ofEpochMilli(in.readLong());
        Operation operation = OPERATIONS[in.readEnum()];
        Map<String, String> grouping = readMap(in);
        List<MetricPoint> points = new ArrayList<>();
        for (long n = in.readArrayStart(); n != 0; n = in.arrayNext()) {
            for (long i = 0; i < n; i++) {
                points.add(readPoint(in));
            }
        }
        return new MetricEventBatch(eventId, source, emitTime, operation, grouping, points);
    }

    private MetricPoint readPoint(BinaryDecoder in) throws IOException {
        String name = text(in);
        String help = optionalText(in);
        String unit = optionalText(in);
        MetricType type = TYPES[in.readEnum()];
        Map<String, String> labels = readMap(in);
        double value = in.readDouble();
        Temporality temporality = TEMPORALITIES[in.readEnum()];
        String streamId = optionalString(in);
        Instant startTime = isPresent(in) ? Instant.ofEpochMilli(in.readLong()) : null;
        HistogramValue histogram = isPresent(in) ? readHistogram(in) : null;
        Aggregation aggregation = isPresent(in) ? AGGREGATIONS[in.readEnum()] : null;
        NativeHistogramValue nativeHistogram = isPresent(in) ? readNativeHistogram(in) : null;
        return new MetricPoint(name, help, unit, type, labels, value, temporality, streamId, startTime, histogram, aggregation,
                nativeHistogram);
    }

    private static NativeHistogramValue readNativeHistogram(BinaryDecoder in) throws IOException {
        int scale = in.readInt();
        double zeroThreshold = in.readDouble();
        long zeroCount = in.readLong();
        int positiveOffset = in.readInt();
        List<Long> positive = readLongs(in);
        int negativeOffset = in.readInt();
        List<Long> negative = readLongs(in);
        return new NativeHistogramValue(scale, zeroThreshold, zeroCount, positiveOffset, positive, negativeOffset, negative,
                in.readDouble(), in.readLong());
    }

    private static HistogramValue readHistogram(BinaryDecoder in) throws IOException {
        List<Double> bounds = new ArrayList<>();
        for (long n = in.readArrayStart(); n != 0; n = in.arrayNext()) {
            for (long i = 0; i < n; i++) {
                bounds.add(in.readDouble());
            }
        }
        List<Long> counts = readLongs(in);
        return new HistogramValue(bounds, counts, in.readDouble(), in.readLong());
    }

    private static List<Long> readLongs(BinaryDecoder in) throws IOException {
        List<Long> longs = new ArrayList<>();
        for (long n = in.readArrayStart(); n != 0; n = in.arrayNext()) {
            for (long i = 0; i < n; i++) {
                longs.add(in.readLong());
            }
        }
        return longs;
    }

    /** A map sized as Avro's own reader sizes it (the first block's count), so iteration order is the same too. */
    private Map<String, String> readMap(BinaryDecoder in) throws IOException {
        long n = in.readMapStart();
        Map<String, String> map = new HashMap<>((int) n);
        for (; n != 0; n = in.mapNext()) {
            for (long i = 0; i < n; i++) {
                map.put(text(in), text(in));
            }
        }
        return map;
    }

    /** Reads a string, returning the shared instance for text seen before. */
    private String text(BinaryDecoder in) throws IOException {
        scratch = in.readString(scratch);
        if (scratch.getByteLength() > MAX_CACHED_TEXT_BYTES) {
            return scratch.toString();
        }
        String known = texts.get(scratch);
        if (known != null) {
            return known;
        }
        if (texts.size() >= TEXT_CACHE_LIMIT) {
            texts.clear();
        }
        String text = scratch.toString();
        texts.put(new Utf8(scratch), text);
        return text;
    }

    /** Reads a ["null", "string"] union of recurring text (help, unit): the shared instance, as {@link #text}. */
    private String optionalText(BinaryDecoder in) throws IOException {
        return isPresent(in) ? text(in) : null;
    }

    /** Reads the branch of a ["null", X] union: true when X follows. */
    private static boolean isPresent(BinaryDecoder in) throws IOException {
        int branch = in.readIndex();
        if (branch != 0 && branch != 1) {
            throw new IOException("union branch " + branch);
        }
        return branch == 1;
    }

    private static String optionalString(BinaryDecoder in) throws IOException {
        return isPresent(in) ? in.readString() : null;
    }
}
