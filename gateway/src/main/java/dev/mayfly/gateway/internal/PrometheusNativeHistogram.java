package dev.mayfly.gateway.internal;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.mayfly.schemas.avro.NativeHistogramValue;
import dev.mayfly.schemas.validation.NativeHistogramRules;
import dev.mayfly.schemas.validation.Violation;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The native histogram fields of one {@code io.prometheus.client.Histogram} (fields 5 to 14 of
 * {@code gateway/proto/metrics.proto}) as {@link ProtobufFormatParser} reads them, and their conversion into Mayfly's
 * {@link NativeHistogramValue}:
 * <ul>
 * <li>bucket indexes: Prometheus' bucket {@code i} of schema {@code s} holds {@code (base^(i-1), base^i]}, Mayfly's
 *     (OpenTelemetry's) bucket {@code i} holds {@code (base^i, base^(i+1)]}, so Mayfly's index is Prometheus' minus
 *     one, on both sides; the exporter adds the one back, so a histogram pushed and scraped in protobuf keeps its
 *     buckets exactly;</li>
 * <li>spans with deltas (integer histograms) or with absolute counts (float histograms) become one dense run per side,
 *     the buckets between spans as zeros; the run's size and index range are {@link NativeHistogramRules}'s, checked
 *     before the run is allocated;</li>
 * <li>float histograms are accepted when every count is a whole number (Mayfly's counts are longs, as OTLP's), else
 *     refused (400 {@code unsupported_metric});</li>
 * <li>the schema, zero threshold and the counts adding up are left to the shared validator.</li>
 * </ul>
 * A histogram is native by Prometheus' rule: a span on either side, a zero threshold or a zero count above zero (the Go
 * client writes a no-op span for a native histogram without observations and without zero bucket); bucket deltas or
 * counts without spans are malformed. Not thread-safe: one per histogram.
 */
final class PrometheusNativeHistogram {
    private static final int VARINT = WireFormat.WIRETYPE_VARINT;
    private static final int FIXED64 = WireFormat.WIRETYPE_FIXED64;
    private static final int DELIMITED = WireFormat.WIRETYPE_LENGTH_DELIMITED;
    /** Above this a double no longer holds every whole number. */
    private static final double MAX_EXACT = 9.007199254740992E15;

    private int schema;
    private double zeroThreshold;
    private long zeroCount;
    private double zeroCountFloat;
    private final Side negative = new Side("negative");
    private final Side positive = new Side("positive");

    /** Reads the field of {@code tag} when it is a native histogram field and returns true; false for any other. */
    boolean read(int tag, CodedInputStream in) throws IOException {
        switch (tag) {
            case (5 << 3) | VARINT -> schema = in.readSInt32();
            case (6 << 3) | FIXED64 -> zeroThreshold = in.readDouble();
            case (7 << 3) | VARINT -> zeroCount = in.readUInt64();
            case (8 << 3) | FIXED64 -> zeroCountFloat = in.readDouble();
            case (9 << 3) | DELIMITED -> negative.span(in);
            case (10 << 3) | VARINT, (10 << 3) | DELIMITED -> negative.deltas(tag, in);
            case (11 << 3) | FIXED64, (11 << 3) | DELIMITED -> negative.counts(tag, in);
            case (12 << 3) | DELIMITED -> positive.span(in);
            case (13 << 3) | VARINT, (13 << 3) | DELIMITED -> positive.deltas(tag, in);
            case (14 << 3) | FIXED64, (14 << 3) | DELIMITED -> positive.counts(tag, in);
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Whether the histogram read is a native one (see the class comment). */
    boolean isNative() {
        return positive.spans > 0 || negative.spans > 0 || zeroThreshold > 0 || zeroCount != 0 || zeroCountFloat != 0
                || positive.hasValues() || negative.hasValues();
    }

    /** The value, with the histogram's {@code sum} and {@code count} (sample_count, or sample_count_float when set). */
    NativeHistogramValue value(String metric, double sum, double count) {
        long zero = zeroCountFloat != 0 ? whole(metric, "zero count", zeroCountFloat) : zeroCount;
        Run pos = positive.run(metric);
        Run neg = negative.run(metric);
        return new NativeHistogramValue(schema, zeroThreshold, zero, pos.offset, pos.counts, neg.offset, neg.counts, sum,
                whole(metric, "sample count", count));
    }

    /** A count of a float histogram as a long, or 400 when it is not a whole number. */
    private static long whole(String metric, String what, double v) {
        if (v != Math.rint(v) || Math.abs(v) > MAX_EXACT) { // NaN fails the first test
            throw PushRejected.badRequest(PushRejected.UNSUPPORTED_METRIC, "histogram " + metric + " is a float histogram with "
                    + what + " " + v + "; Mayfly counts whole observations, so float histograms are accepted only with whole counts");
        }
        return (long) v;
    }

    /** A dense run in Mayfly's indexes: the count of bucket {@code offset + k} is {@code counts[k]}. */
    private record Run(int offset, List<Long> counts) {
    }

    /** One side as read: spans, and deltas (integer histogram) or counts (float histogram), one per bucket the spans hold. */
    private static final class Side {
        final String name;
        long[] spanOffsets = new long[4];
        long[] spanLengths = new long[4];
        int spans;
        long[] deltas = new long[0];
        int nDeltas;
        double[] counts = new double[0];
        int nCounts;

        Side(String name) {
            this.name = name;
        }

        boolean hasValues() {
            return nDeltas > 0 || nCounts > 0;
        }

        /** A BucketSpan: {sint32 offset = 1; uint32 length = 2}. */
        void span(CodedInputStream in) throws IOException {
            int limit = in.pushLimit(in.readRawVarint32());
            int offset = 0;
            int length = 0;
            for (int t = in.readTag(); t != 0; t = in.readTag()) {
                switch (t) {
                    case (1 << 3) | VARINT -> offset = in.readSInt32();
                    case (2 << 3) | VARINT -> length = in.readUInt32();
                    default -> in.skipField(t);
                }
            }
            in.popLimit(limit);
            if (spans == spanOffsets.length) {
                spanOffsets = Arrays.copyOf(spanOffsets, spans * 2);
                spanLengths = Arrays.copyOf(spanLengths, spans * 2);
            }
            spanOffsets[spans] = offset;
            spanLengths[spans] = Integer.toUnsignedLong(length);
            spans++;
        }

        /** sint64 deltas, one per field (proto2's default, what the Go client writes) or packed. */
        void deltas(int tag, CodedInputStream in) throws IOException {
            repeated(tag, VARINT, in, i -> addDelta(i.readSInt64()));
        }

        private void addDelta(long d) {
            if (nDeltas == deltas.length) {
                deltas = Arrays.copyOf(deltas, Math.max(16, nDeltas * 2));
            }
            deltas[nDeltas++] = d;
        }

        /** Absolute double counts (float histograms), one per field or packed. */
        void counts(int tag, CodedInputStream in) throws IOException {
            repeated(tag, FIXED64, in, i -> addCount(i.readDouble()));
        }

        private interface Element {
            void read(CodedInputStream in) throws IOException;
        }

        /** A repeated scalar field: one element when {@code tag} has the element's wire type, else a packed run. */
        private static void repeated(int tag, int elementWireType, CodedInputStream in, Element element) throws IOException {
            if (WireFormat.getTagWireType(tag) == elementWireType) {
                element.read(in);
                return;
            }
            int limit = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
                element.read(in);
            }
            in.popLimit(limit);
        }

        private void addCount(double c) {
            if (nCounts == counts.length) {
                counts = Arrays.copyOf(counts, Math.max(16, nCounts * 2));
            }
            counts[nCounts++] = c;
        }

        /**
         * The dense run from the first to the last bucket the spans hold. The first span's offset is the index of its
         * first bucket; every later span's offset is the number of buckets between it and the span before.
         */
        Run run(String metric) {
            if (nDeltas > 0 && nCounts > 0) {
                throw malformed(metric, "has both " + name + " deltas and " + name + " counts; send one");
            }
            int values = Math.max(nDeltas, nCounts);
            long held = 0;
            long index = 0;
            long first = 0;
            long last = -1;
            for (int j = 0; j < spans; j++) {
                if (j > 0 && spanOffsets[j] < 0) {
                    throw malformed(metric, "has " + name + " span #" + (j + 1) + " with offset " + spanOffsets[j]
                            + "; only the first span may have a negative offset");
                }
                index += spanOffsets[j];
                if (spanLengths[j] > 0) {
                    if (held == 0) {
                        first = index;
                    }
                    last = index + spanLengths[j] - 1;
                }
                index += spanLengths[j];
                held += spanLengths[j];
            }
            if (held != values) {
                throw malformed(metric, "has " + name + " spans holding " + held + " buckets but " + values + " "
                        + name + (nCounts > 0 ? " counts" : " deltas"));
            }
            if (held == 0) {
                return new Run(0, List.of());
            }
            long width = last - first + 1;
            Violation v = NativeHistogramRules.checkRun(metric, name, first - 1, width);
            if (v != null) {
                throw PushRejected.of(v);
            }
            long[] dense = new long[(int) width];
            int k = 0;
            long running = 0;
            index = 0;
            for (int j = 0; j < spans; j++) {
                index += spanOffsets[j];
                for (long i = 0; i < spanLengths[j]; i++, k++) {
                    long c;
                    if (nDeltas > 0) {
                        try {
                            running = Math.addExact(running, deltas[k]);
                        } catch (ArithmeticException e) {
                            throw malformed(metric, "has " + name + " bucket deltas that overflow");
                        }
                        c = running;
                    } else {
                        c = whole(metric, name + " bucket count", counts[k]);
                    }
                    dense[(int) (index + i - first)] = c;
                }
                index += spanLengths[j];
            }
            List<Long> list = new ArrayList<>(dense.length);
            for (long c : dense) {
                list.add(c);
            }
            return new Run((int) (first - 1), list);
        }

        private static PushRejected malformed(String metric, String problem) {
            return PushRejected.malformed("native histogram " + metric + " " + problem);
        }
    }
}
