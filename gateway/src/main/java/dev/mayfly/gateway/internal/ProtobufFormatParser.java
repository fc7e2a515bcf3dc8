package dev.mayfly.gateway.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.mayfly.gateway.internal.PrometheusFamilies.Family;
import dev.mayfly.gateway.internal.PrometheusFamilies.HistogramSeries;
import dev.mayfly.gateway.internal.PrometheusFamilies.Sample;
import dev.mayfly.gateway.internal.PrometheusFamilies.Type;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the Prometheus delimited protobuf format (a sequence of varint-length-prefixed
 * {@code io.prometheus.client.MetricFamily} messages, see {@code gateway/proto/metrics.proto}) by hand with
 * {@link CodedInputStream}: only the fields Mayfly uses are read, the rest are skipped. Classic and native histograms
 * (a histogram with both is kept as the native one); gauge histograms and summaries are refused. Not thread-safe: one
 * per push.
 */
public final class ProtobufFormatParser {
    // MetricFamily.type values
    private static final int COUNTER = 0;
    private static final int GAUGE = 1;
    private static final int SUMMARY = 2;
    private static final int UNTYPED = 3;
    private static final int HISTOGRAM = 4;
    private static final int GAUGE_HISTOGRAM = 5;

    private final PrometheusFamilies families = new PrometheusFamilies(true);
    private int familyIndex;

    private ProtobufFormatParser() {
    }

    public static PrometheusFamilies parse(byte[] body, int length) {
        ProtobufFormatParser p = new ProtobufFormatParser();
        CodedInputStream in = CodedInputStream.newInstance(body, 0, length);
        in.enableAliasing(true);
        try {
            while (!in.isAtEnd()) {
                p.familyIndex++;
                int size = in.readRawVarint32();
                if (size < 0 || size > length - in.getTotalBytesRead()) {
                    throw p.error("length prefix " + size + " runs past the end of the body");
                }
                int limit = in.pushLimit(size);
                p.family(in);
                in.popLimit(limit);
            }
        } catch (InvalidProtocolBufferException e) {
            throw p.error(e.getMessage());
        } catch (IOException e) {
            throw p.error(e.toString());
        }
        return p.families;
    }

    private void family(CodedInputStream in) throws IOException {
        String name = null;
        String help = null;
        int type = COUNTER;
        List<ByteString> metrics = new ArrayList<>();
        while (true) {
            int tag = in.readTag();
            switch (tag) {
                case 0 -> {
                    finishFamily(name, help, type, metrics);
                    return;
                }
                case (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> name = in.readStringRequireUtf8();
                case (2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> help = in.readStringRequireUtf8();
                case (3 << 3) | WireFormat.WIRETYPE_VARINT -> type = in.readEnum();
                case (4 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> metrics.add(in.readBytes());
                default -> in.skipField(tag);
            }
        }
    }

    private void finishFamily(String name, String help, int type, List<ByteString> metrics) throws IOException {
        if (name == null || name.isEmpty()) {
            throw error("metric family without a name");
        }
        Type t = switch (type) {
            case COUNTER -> Type.COUNTER;
            case GAUGE -> Type.GAUGE;
            case UNTYPED -> Type.UNTYPED;
            case HISTOGRAM -> Type.HISTOGRAM;
            case SUMMARY -> throw PrometheusFamilies.summary(name);
            case GAUGE_HISTOGRAM -> throw PushRejected.badRequest(PushRejected.UNSUPPORTED_METRIC,
                    name + " is a gauge histogram; send a histogram");
            default -> throw error("metric family " + name + " has unknown type " + type);
        };
        if (families.get(name) != null) {
            throw PushRejected.badRequest(PushRejected.TYPE_CONFLICT, "metric family " + name + " appears twice");
        }
        Family f = families.create(name, 0);
        f.type = t;
        f.typeDeclared = true;
        f.help = help;
        for (ByteString m : metrics) {
            metric(f, m.newCodedInput());
        }
    }

    private void metric(Family f, CodedInputStream in) throws IOException {
        Map<String, String> labels = new HashMap<>();
        double value = 0;
        boolean hasValue = false;
        boolean counterValue = false; // the value came in the counter field (else the gauge or untyped one)
        Long created = null;
        HistogramSeries histogram = null;
        while (true) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            if (tag == 0) {
                break;
            }
            if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED && field != 6) {
                in.skipField(tag);
                continue;
            }
            switch (field) {
                case 1 -> label(f, in, labels);
                case 2, 5 -> { // gauge, untyped: {double value = 1}
                    int limit = in.pushLimit(in.readRawVarint32());
                    value = readValueField(in);
                    hasValue = true;
                    counterValue = false;
                    in.popLimit(limit);
                }
                case 3 -> { // counter: {double value = 1; Exemplar exemplar = 2; Timestamp created_timestamp = 3}
                    int limit = in.pushLimit(in.readRawVarint32());
                    value = 0;
                    hasValue = true;
                    counterValue = true;
                    for (int t = in.readTag(); t != 0; t = in.readTag()) {
                        if (t == ((1 << 3) | WireFormat.WIRETYPE_FIXED64)) {
                            value = in.readDouble();
                        } else if (t == ((3 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                            created = timestampMillis(in);
                        } else {
                            in.skipField(t);
                        }
                    }
                    in.popLimit(limit);
                }
                case 4 -> throw PrometheusFamilies.summary(f.name);
                case 6 -> {
                    long ts = in.readInt64();
                    if (ts != 0) {
                        throw PushRejected.badRequest(PushRejected.TIMESTAMP, "metric family " + f.name
                                + " has a sample timestamp; timestamps are not accepted, the push time is the sample time");
                    }
                }
                case 7 -> histogram = histogram(f, in);
                default -> in.skipField(tag);
            }
        }
        if (f.type == Type.HISTOGRAM) {
            if (histogram == null) {
                throw error("histogram " + f.name + " has a metric without a histogram value");
            }
            HistogramSeries h = new HistogramSeries(labels, 0);
            h.upperBounds = histogram.upperBounds;
            h.cumulativeCounts = histogram.cumulativeCounts;
            h.buckets = histogram.buckets;
            h.sum = histogram.sum;
            h.hasSum = true;
            h.count = histogram.count;
            h.hasCount = true;
            h.createdMillis = histogram.createdMillis;
            h.nativeValue = histogram.nativeValue;
            if (f.histograms.put(labels, h) != null) {
                throw PushRejected.badRequest(PushRejected.DUPLICATE_SERIES, "series " + f.name + labels + " appears twice in one push");
            }
        } else {
            if (!hasValue) {
                throw error(PrometheusFamilies.typeName(f) + " " + f.name + " has a metric without a value");
            }
            if (counterValue != (f.type == Type.COUNTER)) { // a gauge's value would be summed as an increment, or the reverse
                throw error(PrometheusFamilies.typeName(f) + " " + f.name + " has a metric whose value is in the "
                        + (counterValue ? "counter" : "gauge or untyped") + " field; a " + PrometheusFamilies.typeName(f)
                        + "'s value goes in its " + (f.type == Type.COUNTER ? "counter" : "gauge or untyped") + " field");
            }
            Sample s = new Sample(labels, value);
            s.createdMillis = created;
            f.samples.add(s);
        }
    }

    private void label(Family f, CodedInputStream in, Map<String, String> labels) throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        String name = "";
        String value = "";
        for (int t = in.readTag(); t != 0; t = in.readTag()) {
            if (t == ((1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                name = in.readStringRequireUtf8();
            } else if (t == ((2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                value = in.readStringRequireUtf8();
            } else {
                in.skipField(t);
            }
        }
        in.popLimit(limit);
        if (labels.put(name, value) != null) {
            throw error("label " + name + " appears twice on " + f.name);
        }
    }

    private static double readValueField(CodedInputStream in) throws IOException {
        double value = 0;
        for (int t = in.readTag(); t != 0; t = in.readTag()) {
            if (t == ((1 << 3) | WireFormat.WIRETYPE_FIXED64)) {
                value = in.readDouble();
            } else {
                in.skipField(t);
            }
        }
        return value;
    }

    private static Long timestampMillis(CodedInputStream in) throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        long seconds = 0;
        int nanos = 0;
        for (int t = in.readTag(); t != 0; t = in.readTag()) {
            if (t == ((1 << 3) | WireFormat.WIRETYPE_VARINT)) {
                seconds = in.readInt64();
            } else if (t == ((2 << 3) | WireFormat.WIRETYPE_VARINT)) {
                nanos = in.readInt32();
            } else {
                in.skipField(t);
            }
        }
        in.popLimit(limit);
        return seconds == 0 && nanos == 0 ? null : seconds * 1000 + nanos / 1_000_000;
    }

    /**
     * A histogram: classic buckets, native fields (see {@link PrometheusNativeHistogram}), or both. With both (the Go
     * client sends both when given classic buckets and a native bucket factor) the native histogram is kept and the
     * classic buckets are dropped, as Prometheus does when native histograms are enabled: one point carries one kind.
     */
    private HistogramSeries histogram(Family f, CodedInputStream in) throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        HistogramSeries h = new HistogramSeries(null, 0);
        PrometheusNativeHistogram nativeFields = null; // made at the first native field: classic ones pay nothing
        for (int t = in.readTag(); t != 0; t = in.readTag()) {
            int field = WireFormat.getTagFieldNumber(t);
            switch (field) {
                case 1 -> h.count = in.readUInt64();
                case 2 -> h.sum = in.readDouble();
                case 3 -> bucket(f, in, h);
                case 4 -> h.count = in.readDouble();
                case 15 -> h.createdMillis = timestampMillis(in);
                case 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 -> {
                    if (nativeFields == null) {
                        nativeFields = new PrometheusNativeHistogram();
                    }
                    if (!nativeFields.read(t, in)) {
                        in.skipField(t);
                    }
                }
                default -> in.skipField(t);
            }
        }
        in.popLimit(limit);
        if (nativeFields != null && nativeFields.isNative()) {
            h.nativeValue = nativeFields.value(f.name, h.sum, h.count);
        }
        return h;
    }

    private static void bucket(Family f, CodedInputStream in, HistogramSeries h) throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        double count = 0;
        double upper = 0;
        for (int t = in.readTag(); t != 0; t = in.readTag()) {
            switch (t) {
                case (1 << 3) | WireFormat.WIRETYPE_VARINT -> count = in.readUInt64();
                case (2 << 3) | WireFormat.WIRETYPE_FIXED64 -> upper = in.readDouble();
                case (4 << 3) | WireFormat.WIRETYPE_FIXED64 -> count = in.readDouble();
                default -> in.skipField(t);
            }
        }
        in.popLimit(limit);
        h.bucket(upper, count);
    }

    private PushRejected error(String problem) {
        return PushRejected.malformed("protobuf parsing error in metric family #" + familyIndex + ": " + problem);
    }
}
