package dev.mayfly.gateway;

import com.google.protobuf.CodedOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;

/** Hand-encoded io.prometheus.client.MetricFamily messages (what the Go client sends), for tests. */
final class ProtobufFamilies {
    private ProtobufFamilies() {
    }

    static byte[] delimited(byte[]... families) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] f : families) {
            CodedOutputStream c = CodedOutputStream.newInstance(out);
            c.writeUInt32NoTag(f.length);
            c.writeRawBytes(f);
            c.flush();
        }
        return out.toByteArray();
    }

    static byte[] counterFamily(String name, String help, Map<String, String> labels, double value, long createdSeconds) throws IOException {
        byte[] created = message(c -> c.writeInt64(1, createdSeconds));
        byte[] counter = message(c -> {
            c.writeDouble(1, value);
            c.writeByteArray(3, created);
        });
        byte[] metric = message(c -> {
            for (Map.Entry<String, String> l : labels.entrySet()) {
                c.writeByteArray(1, message(lp -> {
                    lp.writeString(1, l.getKey());
                    lp.writeString(2, l.getValue());
                }));
            }
            c.writeByteArray(3, counter);
        });
        return message(c -> {
            c.writeString(1, name);
            c.writeString(2, help);
            // type COUNTER = 0 is the default and is not written, as Go's encoder does
            c.writeByteArray(4, metric);
        });
    }

    /** A classic histogram without the +Inf bucket (as the Go client writes it). */
    static byte[] histogramFamily(String name, double[] bounds, long[] cumulative, long count, double sum) throws IOException {
        byte[] histogram = message(c -> {
            c.writeUInt64(1, count);
            c.writeDouble(2, sum);
            for (int i = 0; i < bounds.length; i++) {
                int idx = i;
                c.writeByteArray(3, message(b -> {
                    b.writeUInt64(1, cumulative[idx]);
                    b.writeDouble(2, bounds[idx]);
                }));
            }
        });
        byte[] metric = message(c -> c.writeByteArray(7, histogram));
        return message(c -> {
            c.writeString(1, name);
            c.writeEnum(3, 4);
            c.writeByteArray(4, metric);
        });
    }

    /**
     * A native histogram as the Go client writes one: schema, zero threshold, one positive span from Prometheus index
     * {@code offset} with a bucket per delta (unpacked sint64), sample count and sum; {@code floatCount}, when not
     * null, is written as the float sample count (a float histogram).
     */
    static byte[] nativeHistogramFamily(String name, int schema, int offset, long[] deltas, long count, Double floatCount, double sum)
            throws IOException {
        byte[] span = message(c -> {
            c.writeSInt32(1, offset);
            c.writeUInt32(2, deltas.length);
        });
        byte[] histogram = message(c -> {
            c.writeUInt64(1, count);
            c.writeDouble(2, sum);
            if (floatCount != null) {
                c.writeDouble(4, floatCount);
            }
            c.writeSInt32(5, schema);
            c.writeDouble(6, Math.pow(2, -128));
            c.writeByteArray(12, span);
            for (long d : deltas) {
                c.writeSInt64(13, d);
            }
        });
        byte[] metric = message(c -> c.writeByteArray(7, histogram));
        return message(c -> {
            c.writeString(1, name);
            c.writeEnum(3, 4);
            c.writeByteArray(4, metric);
        });
    }

    /** A counter family whose one metric carries its value in the gauge field (type COUNTER, the default, not written). */
    static byte[] counterFamilyWithAGaugeValue(String name, double value) throws IOException {
        byte[] metric = message(c -> c.writeByteArray(2, message(g -> g.writeDouble(1, value))));
        return message(c -> {
            c.writeString(1, name);
            c.writeByteArray(4, metric);
        });
    }

    static byte[] summaryFamily(String name) throws IOException {
        byte[] metric = message(c -> c.writeByteArray(4, message(s -> s.writeUInt64(1, 1))));
        return message(c -> {
            c.writeString(1, name);
            c.writeEnum(3, 2);
            c.writeByteArray(4, metric);
        });
    }

    interface Writer {
        void write(CodedOutputStream c) throws IOException;
    }

    static byte[] message(Writer w) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CodedOutputStream c = CodedOutputStream.newInstance(out);
        w.write(c);
        c.flush();
        return out.toByteArray();
    }
}
