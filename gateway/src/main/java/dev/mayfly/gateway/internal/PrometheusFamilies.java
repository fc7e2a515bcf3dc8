package dev.mayfly.gateway.internal;

import dev.mayfly.schemas.avro.NativeHistogramValue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metric families of one Prometheus push (text or protobuf), and their conversion into points: histograms from
 * cumulative {@code le} buckets to per-bucket counts (native histograms as decoded), {@code x_created} families (client_python writes them as
 * separate gauges) folded into the counter or histogram they pair with (as the start time of a cumulative stream),
 * and name clashes between families (after the engine's {@code _total} stripping) rejected as type conflicts.
 * Not thread-safe: one per push.
 */
public final class PrometheusFamilies {
    enum Type { COUNTER, GAUGE, HISTOGRAM, SUMMARY, UNTYPED }

    static final class Family {
        final String name;
        final int line;
        Type type = Type.UNTYPED;
        boolean typeDeclared;
        String help;
        final List<Sample> samples = new ArrayList<>();
        final Map<Map<String, String>, HistogramSeries> histograms = new LinkedHashMap<>();

        Family(String name, int line) {
            this.name = name;
            this.line = line;
        }

        boolean hasSamples() {
            return !samples.isEmpty() || !histograms.isEmpty();
        }
    }

    static final class Sample {
        final Map<String, String> labels;
        final double value;
        Long createdMillis;

        Sample(Map<String, String> labels, double value) {
            this.labels = labels;
            this.value = value;
        }
    }

    /** One histogram series as pushed: cumulative counts by upper bound (any order), sum and count when given. */
    static final class HistogramSeries {
        final Map<String, String> labels;
        final int line;
        double[] upperBounds = new double[16];
        double[] cumulativeCounts = new double[16];
        int buckets;
        double sum;
        boolean hasSum;
        double count;
        boolean hasCount;
        Long createdMillis;
        /** Set for a native histogram (protobuf only); the classic fields above except sum and count are then unused. */
        NativeHistogramValue nativeValue;

        HistogramSeries(Map<String, String> labels, int line) {
            this.labels = labels;
            this.line = line;
        }

        void bucket(double upperBound, double cumulativeCount) {
            if (buckets == upperBounds.length) {
                upperBounds = Arrays.copyOf(upperBounds, buckets * 2);
                cumulativeCounts = Arrays.copyOf(cumulativeCounts, buckets * 2);
            }
            upperBounds[buckets] = upperBound;
            cumulativeCounts[buckets] = cumulativeCount;
            buckets++;
        }
    }

    private final LinkedHashMap<String, Family> byName = new LinkedHashMap<>();
    private final boolean infBucketOptional;

    /** {@code infBucketOptional}: a histogram may leave out its {@code +Inf} bucket when it has a count (protobuf). */
    PrometheusFamilies(boolean infBucketOptional) {
        this.infBucketOptional = infBucketOptional;
    }

    Family get(String name) {
        return byName.get(name);
    }

    Family create(String name, int line) {
        Family f = new Family(name, line);
        byName.put(name, f);
        return f;
    }

    /** Adds every family's points to {@code out}. */
    public void addTo(PointsBuilder out) {
        foldCreatedFamilies();
        checkNameClashes();
        for (Family f : byName.values()) {
            switch (f.type) {
                case COUNTER -> {
                    for (Sample s : f.samples) {
                        out.counter(f.name, f.help, null, s.labels, s.value, s.createdMillis);
                    }
                }
                case GAUGE, UNTYPED -> {
                    for (Sample s : f.samples) {
                        out.gauge(f.name, f.help, null, s.labels, s.value);
                    }
                }
                case HISTOGRAM -> {
                    for (HistogramSeries h : f.histograms.values()) {
                        addHistogram(out, f, h);
                    }
                }
                case SUMMARY -> throw summary(f.name);
            }
        }
    }

    static PushRejected summary(String name) {
        return PushRejected.badRequest(PushRejected.SUMMARY, name + " is a summary: summaries cannot be aggregated; send a histogram");
    }

    private void foldCreatedFamilies() {
        List<String> folded = new ArrayList<>();
        for (Family f : byName.values()) {
            if (!f.name.endsWith("_created") || (f.type != Type.GAUGE && f.type != Type.UNTYPED)) {
                continue;
            }
            String base = f.name.substring(0, f.name.length() - "_created".length());
            Family counterTotal = byName.get(base + "_total");
            Family paired = counterTotal != null && counterTotal.type == Type.COUNTER ? counterTotal : byName.get(base);
            if (paired == null || (paired.type != Type.COUNTER && paired.type != Type.HISTOGRAM)) {
                continue;
            }
            for (Sample created : f.samples) {
                Long millis = Double.isFinite(created.value) ? Math.round(created.value * 1000.0) : null;
                if (paired.type == Type.COUNTER) {
                    for (Sample s : paired.samples) {
                        if (s.labels.equals(created.labels)) {
                            s.createdMillis = millis;
                        }
                    }
                } else {
                    HistogramSeries h = paired.histograms.get(created.labels);
                    if (h != null) {
                        h.createdMillis = millis;
                    }
                }
            }
            folded.add(f.name);
        }
        folded.forEach(byName::remove);
    }

    /** Two families whose series would share a name downstream (counter foo_total vs gauge foo, histogram foo vs gauge foo_count). */
    private void checkNameClashes() {
        if (!mayClash()) {
            return;
        }
        Map<String, Family> claims = new HashMap<>(byName.size() * 4);
        for (Family f : byName.values()) {
            if (f.type == Type.COUNTER) {
                boolean total = f.name.endsWith("_total");
                claim(claims, total ? f.name.substring(0, f.name.length() - 6) : f.name, f);
                claim(claims, total ? f.name : f.name + "_total", f);
            } else if (f.type == Type.HISTOGRAM) {
                claim(claims, f.name, f);
                claim(claims, f.name + "_bucket", f);
                claim(claims, f.name + "_sum", f);
                claim(claims, f.name + "_count", f);
            } else {
                claim(claims, f.name, f);
            }
        }
    }

    /**
     * False when no two families can clash, found without making the names they claim. Every name a family claims is
     * its own with _total, _bucket, _sum or _count added, or _total taken off, so families that claim the same name
     * have the same stem (the name with all such endings taken off). Stems that differ in their hash cannot be equal;
     * a shared hash leaves the answer to the full check.
     */
    private boolean mayClash() {
        int[] stems = new int[byName.size()];
        int n = 0;
        for (Family f : byName.values()) {
            stems[n++] = stemHash(f.name);
        }
        Arrays.sort(stems);
        for (int i = 1; i < n; i++) {
            if (stems[i] == stems[i - 1]) {
                return true;
            }
        }
        return false;
    }

    private static final String[] CLAIM_ENDINGS = {"_total", "_bucket", "_sum", "_count"};

    /** The {@link String#hashCode} of {@code name} with every ending in {@link #CLAIM_ENDINGS} taken off its end. */
    static int stemHash(String name) {
        int end = name.length();
        boolean stripped = true;
        while (stripped) {
            stripped = false;
            for (String ending : CLAIM_ENDINGS) {
                if (end >= ending.length() && name.startsWith(ending, end - ending.length())) {
                    end -= ending.length();
                    stripped = true;
                    break;
                }
            }
        }
        if (end == name.length()) {
            return name.hashCode(); // kept in the string
        }
        int h = 0;
        for (int i = 0; i < end; i++) {
            h = 31 * h + name.charAt(i);
        }
        return h;
    }

    private static void claim(Map<String, Family> claims, String name, Family f) {
        Family previous = claims.putIfAbsent(name, f);
        if (previous != null && previous != f) {
            throw PushRejected.badRequest(PushRejected.TYPE_CONFLICT, "metric " + f.name + " (" + typeName(f)
                    + ") conflicts with " + previous.name + " (" + typeName(previous) + "): both would be stored as " + name
                    + samplesOfAnotherName(f, previous) + samplesOfAnotherName(previous, f));
        }
    }

    /**
     * When {@code untyped} holds the samples a sample-less {@code counter} declared (OpenMetrics style: {@code # TYPE x
     * counter}, then {@code x_total 1}), how to write them in this format; else nothing.
     */
    private static String samplesOfAnotherName(Family untyped, Family counter) {
        if (untyped.type != Type.UNTYPED || counter.type != Type.COUNTER || counter.hasSamples()
                || !untyped.name.equals(counter.name + "_total")) {
            return "";
        }
        return "; in this format a counter's samples carry the name of its # TYPE line: write # TYPE " + untyped.name + " counter";
    }

    static String typeName(Family f) {
        return f.type.name().toLowerCase(java.util.Locale.ROOT);
    }

    private void addHistogram(PointsBuilder out, Family f, HistogramSeries h) {
        if (h.nativeValue != null) {
            out.nativeHistogram(f.name, f.help, null, h.labels, h.nativeValue, h.createdMillis); // its shape is the validator's
            return;
        }
        int n = h.buckets;
        double[] le = h.upperBounds;
        double[] cum = h.cumulativeCounts;
        for (int i = 1; i < n; i++) { // insertion sort: buckets almost always arrive sorted
            double b = le[i];
            double c = cum[i];
            int j = i - 1;
            while (j >= 0 && le[j] > b) {
                le[j + 1] = le[j];
                cum[j + 1] = cum[j];
                j--;
            }
            le[j + 1] = b;
            cum[j + 1] = c;
        }
        // finite, strictly increasing bounds are the shared validator's rule (on the built point)
        double infCount;
        int finite = n;
        if (n > 0 && le[n - 1] == Double.POSITIVE_INFINITY) {
            finite = n - 1;
            infCount = cum[n - 1];
        } else if (h.hasCount && infBucketOptional) {
            infCount = h.count; // protobuf pushes may leave out the +Inf bucket
        } else {
            throw PushRejected.malformed(where(f, h) + (infBucketOptional ? ": no le=\"+Inf\" bucket and no _count"
                    : ": no le=\"+Inf\" bucket; the text format requires one"));
        }
        if (h.hasCount && h.count != infCount) {
            throw PushRejected.malformed(where(f, h) + ": _count " + h.count + " differs from the +Inf bucket " + infCount);
        }
        if (!h.hasSum) {
            throw PushRejected.malformed(where(f, h) + ": no _sum");
        }
        List<Double> bounds = new ArrayList<>(finite);
        List<Long> counts = new ArrayList<>(finite + 1);
        long previous = 0;
        for (int i = 0; i <= finite; i++) {
            double c = i < finite ? cum[i] : infCount;
            if (!(c >= 0) || c != Math.rint(c) || c > 9.007199254740992E15) {
                throw PushRejected.malformed(where(f, h) + ": bucket count " + c + " is not a whole number of observations");
            }
            long cumulative = (long) c;
            if (cumulative < previous) {
                throw PushRejected.malformed(where(f, h) + ": cumulative bucket counts decrease at le=" + (i < finite ? le[i] : "+Inf"));
            }
            if (i < finite) {
                bounds.add(le[i]);
            }
            counts.add(cumulative - previous);
            previous = cumulative;
        }
        out.histogram(f.name, f.help, null, h.labels, bounds, counts, h.sum, previous, h.createdMillis);
    }

    /** The series a histogram problem is about, for the message. */
    private static String where(Family f, HistogramSeries h) {
        return "histogram " + f.name + h.labels + (h.line > 0 ? " (line " + h.line + ")" : "");
    }
}
