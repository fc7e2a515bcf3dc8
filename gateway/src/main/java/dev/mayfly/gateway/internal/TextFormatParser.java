package dev.mayfly.gateway.internal;

import dev.mayfly.gateway.internal.PrometheusFamilies.Family;
import dev.mayfly.gateway.internal.PrometheusFamilies.HistogramSeries;
import dev.mayfly.gateway.internal.PrometheusFamilies.Sample;
import dev.mayfly.gateway.internal.PrometheusFamilies.Type;

import java.util.Map;

/**
 * Parses the Prometheus text exposition format 0.0.4 into {@link PrometheusFamilies}: HELP and TYPE lines declare
 * families, samples join theirs, and a declared histogram's {@code _bucket}, {@code _sum} and {@code _count} samples
 * are gathered per label set. The bytes are read in place by {@link TextLineReader}. A problem is reported as a 400
 * naming the line. Sample timestamps are refused (as the Pushgateway does): the push time is the event time. Not
 * thread-safe: one per push.
 */
public final class TextFormatParser {
    private static final String[] HISTOGRAM_SUFFIXES = {"_bucket", "_sum", "_count"};

    private final TextLineReader r;
    private final PrometheusFamilies families = new PrometheusFamilies(false);
    // the histogram last declared or found by suffix: its _bucket, _sum and _count samples are found without a lookup
    private Family lastHistogram;
    // the histogram (or null) the last sample name without a family of its own belongs to by its suffix; valid until
    // the next comment line, as only HELP and TYPE lines make histograms
    private String ownerName;
    private Family owner;
    // the histogram series the last histogram sample went to
    private Family lastSeriesFamily;
    private HistogramSeries lastSeries;

    private TextFormatParser(byte[] body, int length) {
        this.r = new TextLineReader(body, length);
    }

    /** Parses {@code length} bytes of {@code body}. */
    public static PrometheusFamilies parse(byte[] body, int length) {
        TextFormatParser p = new TextFormatParser(body, length);
        p.parseAll();
        return p.families;
    }

    private void parseAll() {
        while (r.more()) {
            r.skipBlanks();
            if (r.skip('#')) {
                comment();
            } else if (!r.atLineEnd()) {
                sample();
            }
            r.endOfLine();
        }
    }

    private void comment() {
        ownerName = null;
        r.skipBlanks();
        int start = r.word();
        boolean help = r.isWord(start, "HELP");
        boolean type = r.isWord(start, "TYPE");
        if (!help && !type) {
            r.skipRestOfLine();
            return;
        }
        if (!r.skipBlanks()) {
            throw r.error("expected a metric name after # " + (help ? "HELP" : "TYPE"));
        }
        String name = r.metricName();
        if (help) {
            if (!r.skip(' ')) {
                r.skip('\t');
            }
            String text = r.escapedUntilLineEnd();
            Family f = familyFor(name);
            if (f.help != null) {
                throw r.error("second HELP line for " + name);
            }
            f.help = text;
            return;
        }
        if (!r.skipBlanks()) {
            throw r.error("expected a type after # TYPE " + name);
        }
        int typeStart = r.word();
        Type t = r.isWord(typeStart, "counter") ? Type.COUNTER
                : r.isWord(typeStart, "gauge") ? Type.GAUGE
                : r.isWord(typeStart, "histogram") ? Type.HISTOGRAM
                : r.isWord(typeStart, "summary") ? Type.SUMMARY
                : r.isWord(typeStart, "untyped") ? Type.UNTYPED
                : null;
        int typeEnd = r.position();
        if (t == null) {
            throw r.error("unknown metric type '" + r.text(typeStart, typeEnd) + "' for " + name);
        }
        r.skipBlanks();
        if (!r.atLineEnd()) {
            throw r.error("unexpected text after # TYPE " + name + " " + r.text(typeStart, typeEnd));
        }
        if (t == Type.SUMMARY) {
            throw PrometheusFamilies.summary(name);
        }
        declare(name, t);
    }

    /** Gives the family {@code name} its declared type: once, before its samples, not clashing with a histogram's. */
    private void declare(String name, Type t) {
        int line = r.line();
        Family f = families.get(name);
        if (f == null) {
            Family owner = ownerBySuffix(name);
            if (owner != null) {
                throw PushRejected.badRequest(PushRejected.TYPE_CONFLICT, "line " + line + ": # TYPE " + name
                        + " conflicts with " + PrometheusFamilies.typeName(owner) + " " + owner.name);
            }
            f = families.create(name, line);
        } else if (f.typeDeclared) {
            throw PushRejected.badRequest(PushRejected.TYPE_CONFLICT, "line " + line + ": second TYPE line for " + name);
        } else if (f.hasSamples()) {
            throw PushRejected.badRequest(PushRejected.TYPE_CONFLICT, "line " + line + ": TYPE line for " + name + " after its samples");
        }
        f.type = t;
        f.typeDeclared = true;
        if (t == Type.HISTOGRAM) {
            lastHistogram = f;
        }
    }

    private Family familyFor(String name) {
        Family f = families.get(name);
        return f != null ? f : families.create(name, r.line());
    }

    /** The histogram a suffixed name ({@code _bucket}, {@code _sum}, {@code _count}) belongs to, if declared. */
    private Family ownerBySuffix(String name) {
        for (String suffix : HISTOGRAM_SUFFIXES) {
            if (name.endsWith(suffix)) {
                int length = name.length() - suffix.length();
                Family h = lastHistogram; // once a histogram, a family stays one
                if (h != null && h.name.length() == length && name.startsWith(h.name)) {
                    return h;
                }
                Family f = families.get(name.substring(0, length));
                if (f != null && f.type == Type.HISTOGRAM) {
                    lastHistogram = f;
                    return f;
                }
            }
        }
        return null;
    }

    private void sample() {
        int sampleLine = r.line();
        String name = r.metricName();
        boolean blank = r.skipBlanks();
        if (r.labels(name)) {
            blank = r.skipBlanks();
        }
        if (!blank) {
            throw r.error("expected a value after " + name);
        }
        double value = r.value(name);

        Family f = families.get(name);
        if (f != null && f.type != Type.HISTOGRAM) {
            f.samples.add(new Sample(r.labelMap(null), value));
            return;
        }
        if (f != null) {
            throw r.error(name + " is a histogram; its samples must end in _bucket, _sum or _count");
        }
        if (name != ownerName) {
            owner = ownerBySuffix(name);
            ownerName = name;
        }
        Family histogram = owner;
        if (histogram == null) {
            families.create(name, sampleLine).samples.add(new Sample(r.labelMap(null), value));
            return;
        }
        if (name.endsWith("_bucket")) {
            int le = r.labelIndex("le");
            if (le < 0) {
                throw r.error(name + " has no le label");
            }
            // the bytes of a plain value are its text: read in place when short, as Double.parseDouble would
            double upper = r.labelValueAsDecimal(le);
            if (Double.isNaN(upper)) {
                upper = parseBound(r.labelValue(le), name);
            }
            series(histogram, "le", sampleLine).bucket(upper, value);
        } else if (name.endsWith("_sum")) {
            HistogramSeries h = series(histogram, null, sampleLine);
            if (h.hasSum) {
                throw r.error("second " + name + " for the same labels");
            }
            h.sum = value;
            h.hasSum = true;
        } else {
            HistogramSeries h = series(histogram, null, sampleLine);
            if (h.hasCount) {
                throw r.error("second " + name + " for the same labels");
            }
            h.count = value;
            h.hasCount = true;
        }
    }

    /** The series of {@code f} with this sample's labels but {@code except}: the last one used when they match. */
    private HistogramSeries series(Family f, String except, int line) {
        if (lastSeriesFamily == f && r.hasLabels(lastSeries.labels, except)) {
            return lastSeries;
        }
        Map<String, String> labels = r.labelMap(except);
        HistogramSeries h = f.histograms.get(labels);
        if (h == null) {
            h = new HistogramSeries(labels, line);
            f.histograms.put(labels, h);
        }
        lastSeriesFamily = f;
        lastSeries = h;
        return h;
    }

    private double parseBound(String le, String name) {
        switch (le) {
            case "+Inf", "Inf", "+inf", "inf" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-Inf", "-inf" -> {
                return Double.NEGATIVE_INFINITY; // a number: the shared validator refuses it as a bound that is not finite
            }
            default -> {
                try {
                    return Double.parseDouble(le);
                } catch (NumberFormatException e) {
                    throw r.error(name + " has le=\"" + le + "\", which is not a number");
                }
            }
        }
    }
}
