package dev.mayfly.gateway.internal;

import dev.mayfly.gateway.internal.PrometheusFamilies.Family;
import dev.mayfly.gateway.internal.PrometheusFamilies.HistogramSeries;
import dev.mayfly.gateway.internal.PrometheusFamilies.Sample;
import dev.mayfly.gateway.internal.PrometheusFamilies.Type;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Parses the Prometheus text exposition format 0.0.4 straight from the request bytes: no line strings, no regular
 * expressions; numbers are read in place ({@link TextNumbers}). A problem is reported as a 400 naming the line.
 * Sample timestamps are refused (as the Pushgateway does): the push time is the event time. Names and label values
 * that repeat those of the line before (the usual case: a family's samples follow each other) reuse that line's
 * strings instead of copying the bytes again. Not thread-safe: one per push.
 */
public final class TextFormatParser {
    private static final String[] HISTOGRAM_SUFFIXES = {"_bucket", "_sum", "_count"};
    /** Which ASCII bytes may be in a label name ({@code [a-zA-Z0-9_]}) and in a metric name (also {@code :}). */
    private static final boolean[] LABEL_NAME_CHAR = new boolean[128];
    private static final boolean[] METRIC_NAME_CHAR = new boolean[128];

    static {
        for (int c = 0; c < 128; c++) {
            LABEL_NAME_CHAR[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            METRIC_NAME_CHAR[c] = LABEL_NAME_CHAR[c] || c == ':';
        }
    }

    private final byte[] b;
    private final int end;
    private int pos;
    private int line = 1;
    private final PrometheusFamilies families = new PrometheusFamilies(false);
    // the last metric name read, and where in the body its text is
    private String lastName;
    private int lastNameStart;
    private int lastNameEnd;
    // the histogram last declared or found by suffix: its _bucket, _sum and _count samples are found without a lookup
    private Family lastHistogram;
    // the histogram (or null) the last sample name without a family of its own belongs to by its suffix; valid until
    // the next comment line, as only HELP and TYPE lines make histograms
    private String ownerName;
    private Family owner;
    // the histogram series the last histogram sample went to
    private Family lastSeriesFamily;
    private HistogramSeries lastSeries;
    // label scratch, reused for every sample. Slot i keeps its strings after the sample: labelNames[i] is always the
    // text of b[nameStart[i], nameEnd[i]), and labelValues[i] that of b[valueStart[i], valueEnd[i]) when valuePlain[i]
    // (no escapes), so the same label at the same place in the next sample reuses them.
    private String[] labelNames = new String[8];
    private String[] labelValues = new String[8];
    private int[] nameStart = new int[8];
    private int[] nameEnd = new int[8];
    private int[] valueStart = new int[8];
    private int[] valueEnd = new int[8];
    private boolean[] valuePlain = new boolean[8];
    private int labelCount;
    private boolean quotedPlain; // whether the value quoted() read last had no escapes and no non-ASCII bytes
    private byte[] scratch;
    private CharsetDecoder utf8;

    private TextFormatParser(byte[] body, int length) {
        this.b = body;
        this.end = length;
    }

    /** Parses {@code length} bytes of {@code body}. */
    public static PrometheusFamilies parse(byte[] body, int length) {
        TextFormatParser p = new TextFormatParser(body, length);
        p.parseAll();
        return p.families;
    }

    private void parseAll() {
        while (pos < end) {
            skipBlanks();
            if (pos < end && b[pos] == '#') {
                pos++;
                comment();
            } else if (pos < end && !atLineEnd()) {
                sample();
            }
            endOfLine();
        }
    }

    private void comment() {
        ownerName = null;
        skipBlanks();
        int start = pos;
        while (pos < end && isTokenChar(b[pos])) {
            pos++;
        }
        boolean help = isWord(start, "HELP");
        boolean type = isWord(start, "TYPE");
        if (!help && !type) {
            skipRestOfLine();
            return;
        }
        if (!skipBlanks()) {
            throw error("expected a metric name after # " + (help ? "HELP" : "TYPE"));
        }
        String name = metricName();
        if (help) {
            if (pos < end && (b[pos] == ' ' || b[pos] == '\t')) {
                pos++;
            }
            String text = escapedUntilLineEnd();
            Family f = familyFor(name);
            if (f.help != null) {
                throw error("second HELP line for " + name);
            }
            f.help = text;
            return;
        }
        if (!skipBlanks()) {
            throw error("expected a type after # TYPE " + name);
        }
        int typeStart = pos;
        while (pos < end && isTokenChar(b[pos])) {
            pos++;
        }
        int typeEnd = pos;
        Type t = isWord(typeStart, "counter") ? Type.COUNTER
                : isWord(typeStart, "gauge") ? Type.GAUGE
                : isWord(typeStart, "histogram") ? Type.HISTOGRAM
                : isWord(typeStart, "summary") ? Type.SUMMARY
                : isWord(typeStart, "untyped") ? Type.UNTYPED
                : null;
        if (t == null) {
            throw error("unknown metric type '" + ascii(typeStart, typeEnd) + "' for " + name);
        }
        skipBlanks();
        if (!atLineEnd()) {
            throw error("unexpected text after # TYPE " + name + " " + ascii(typeStart, typeEnd));
        }
        if (t == Type.SUMMARY) {
            throw PrometheusFamilies.summary(name);
        }
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
        return f != null ? f : families.create(name, line);
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
        int sampleLine = line;
        String name = metricName();
        boolean blank = skipBlanks();
        labelCount = 0;
        if (pos < end && b[pos] == '{') {
            pos++;
            labels(name);
            blank = skipBlanks();
        }
        if (!blank) {
            throw error("expected a value after " + name);
        }
        double value = number(name);
        skipBlanks();
        if (!atLineEnd()) {
            int start = pos;
            while (pos < end && !isBlank(b[pos]) && b[pos] != '\n') {
                pos++;
            }
            if (TextNumbers.isInteger(b, start, pos)) {
                throw PushRejected.badRequest(PushRejected.TIMESTAMP, "line " + line + ": sample " + name
                        + " has a timestamp; timestamps are not accepted, the push time is the sample time");
            }
            throw error("unexpected text after the value of " + name);
        }

        Family f = families.get(name);
        if (f != null && f.type != Type.HISTOGRAM) {
            f.samples.add(new Sample(labelMap(null), value));
            return;
        }
        if (f != null) {
            throw error(name + " is a histogram; its samples must end in _bucket, _sum or _count");
        }
        if (name != ownerName) {
            owner = ownerBySuffix(name);
            ownerName = name;
        }
        Family histogram = owner;
        if (histogram == null) {
            families.create(name, sampleLine).samples.add(new Sample(labelMap(null), value));
            return;
        }
        if (name.endsWith("_bucket")) {
            int le = labelIndex("le");
            if (le < 0) {
                throw error(name + " has no le label");
            }
            // the bytes of a plain value are its text: read in place when short, as Double.parseDouble would
            double upper = valuePlain[le] ? TextNumbers.fastDecimal(b, valueStart[le], valueEnd[le]) : Double.NaN;
            if (Double.isNaN(upper)) {
                upper = parseBound(labelValues[le], name);
            }
            series(histogram, "le", sampleLine).bucket(upper, value);
        } else if (name.endsWith("_sum")) {
            HistogramSeries h = series(histogram, null, sampleLine);
            if (h.hasSum) {
                throw error("second " + name + " for the same labels");
            }
            h.sum = value;
            h.hasSum = true;
        } else {
            HistogramSeries h = series(histogram, null, sampleLine);
            if (h.hasCount) {
                throw error("second " + name + " for the same labels");
            }
            h.count = value;
            h.hasCount = true;
        }
    }

    /** The series of {@code f} with this sample's labels but {@code except}: the last one used when they match. */
    private HistogramSeries series(Family f, String except, int line) {
        if (lastSeriesFamily == f && hasLabels(lastSeries.labels, except)) {
            return lastSeries;
        }
        Map<String, String> labels = labelMap(except);
        HistogramSeries h = f.histograms.get(labels);
        if (h == null) {
            h = new HistogramSeries(labels, line);
            f.histograms.put(labels, h);
        }
        lastSeriesFamily = f;
        lastSeries = h;
        return h;
    }

    /** Whether {@code labelMap(except).equals(labels)}, without making the map. */
    private boolean hasLabels(Map<String, String> labels, String except) {
        int n = 0;
        for (int i = 0; i < labelCount; i++) {
            if (labelNames[i].equals(except)) {
                continue;
            }
            if (!labelValues[i].equals(labels.get(labelNames[i]))) {
                return false;
            }
            n++;
        }
        return n == labels.size();
    }

    private double parseBound(String le, String name) {
        switch (le) {
            case "+Inf", "Inf", "+inf", "inf" -> {
                return Double.POSITIVE_INFINITY;
            }
            default -> {
                try {
                    return Double.parseDouble(le);
                } catch (NumberFormatException e) {
                    throw error(name + " has le=\"" + le + "\", which is not a number");
                }
            }
        }
    }

    private int labelIndex(String labelName) {
        for (int i = 0; i < labelCount; i++) {
            if (labelNames[i].equals(labelName)) {
                return i;
            }
        }
        return -1;
    }

    private Map<String, String> labelMap(String except) {
        Map<String, String> m = new HashMap<>(Math.max(4, labelCount * 2));
        for (int i = 0; i < labelCount; i++) {
            if (labelNames[i].equals(except)) {
                continue;
            }
            m.put(labelNames[i], labelValues[i]);
        }
        return m;
    }

    private void labels(String metric) {
        while (true) {
            skipBlanks();
            if (pos >= end || b[pos] == '\n') {
                throw error("unterminated label set of " + metric);
            }
            if (b[pos] == '}') {
                pos++;
                return;
            }
            int start = pos;
            while (pos < end && isNameChar(b[pos], false)) {
                pos++;
            }
            if (pos == start) {
                throw error("invalid label name in " + metric + " at '" + (char) b[pos] + "'");
            }
            int slot = labelCount;
            if (slot == labelNames.length) {
                growLabels();
            }
            String labelName = labelNames[slot] != null && Arrays.equals(b, start, pos, b, nameStart[slot], nameEnd[slot])
                    ? labelNames[slot] : ascii(start, pos);
            int labelNameEnd = pos;
            skipBlanks();
            if (pos >= end || b[pos] != '=') {
                throw error("expected '=' after label name " + labelName + " of " + metric);
            }
            pos++;
            skipBlanks();
            if (pos >= end || b[pos] != '"') {
                throw error("expected '\"' to start the value of label " + labelName + " of " + metric);
            }
            pos++;
            int valueFrom = pos;
            String value = quoted(slot, labelName, metric);
            for (int i = 0; i < labelCount; i++) {
                if (labelNames[i].equals(labelName)) {
                    throw error("label " + labelName + " appears twice on " + metric);
                }
            }
            labelNames[slot] = labelName;
            nameStart[slot] = start;
            nameEnd[slot] = labelNameEnd;
            labelValues[slot] = value;
            valueStart[slot] = valueFrom;
            valueEnd[slot] = pos - 1; // before the closing quote
            valuePlain[slot] = quotedPlain;
            labelCount++;
            skipBlanks();
            if (pos < end && b[pos] == ',') {
                pos++;
            } else if (pos >= end || b[pos] != '}') {
                throw error("expected ',' or '}' after the value of label " + labelName + " of " + metric);
            }
        }
    }

    private void growLabels() {
        int n = labelNames.length * 2;
        labelNames = Arrays.copyOf(labelNames, n);
        labelValues = Arrays.copyOf(labelValues, n);
        nameStart = Arrays.copyOf(nameStart, n);
        nameEnd = Arrays.copyOf(nameEnd, n);
        valueStart = Arrays.copyOf(valueStart, n);
        valueEnd = Arrays.copyOf(valueEnd, n);
        valuePlain = Arrays.copyOf(valuePlain, n);
    }

    /** A label value up to its closing quote, for label slot {@code slot} (whose last value it reuses when the same). */
    private String quoted(int slot, String labelName, String metric) {
        int start = pos;
        boolean plain = true;
        while (pos < end && b[pos] != '"') {
            if (b[pos] == '\\' || b[pos] < 0) {
                plain = false;
                if (b[pos] == '\\') {
                    pos++;
                }
            }
            if (pos < end && b[pos] == '\n') {
                throw error("unterminated value of label " + labelName + " of " + metric);
            }
            pos++;
        }
        if (pos >= end) {
            throw error("unterminated value of label " + labelName + " of " + metric);
        }
        int stop = pos;
        pos++; // closing quote
        quotedPlain = plain;
        if (plain) {
            return valuePlain[slot] && Arrays.equals(b, start, stop, b, valueStart[slot], valueEnd[slot])
                    ? labelValues[slot] : ascii(start, stop);
        }
        int n = 0;
        if (scratch == null || scratch.length < stop - start) {
            scratch = new byte[Math.max(64, stop - start)];
        }
        for (int i = start; i < stop; i++) {
            byte c = b[i];
            if (c == '\\') {
                byte e = b[++i];
                c = switch (e) {
                    case '\\' -> (byte) '\\';
                    case '"' -> (byte) '"';
                    case 'n' -> (byte) '\n';
                    default -> throw error("invalid escape \\" + (char) e + " in the value of label " + labelName + " of " + metric);
                };
            }
            scratch[n++] = c;
        }
        String text = utf8(scratch, 0, n);
        if (text == null) {
            throw error("the value of label " + labelName + " of " + metric + " is not valid UTF-8");
        }
        return text;
    }

    private String escapedUntilLineEnd() {
        int start = pos;
        boolean plain = true;
        while (pos < end && b[pos] != '\n') {
            if (b[pos] == '\\' || b[pos] < 0) {
                plain = false;
            }
            pos++;
        }
        int stop = pos;
        while (stop > start && b[stop - 1] == '\r') {
            stop--;
        }
        if (plain) {
            return ascii(start, stop);
        }
        StringBuilder sb = new StringBuilder(stop - start);
        String raw = utf8(b, start, stop - start);
        if (raw == null) {
            throw error("HELP text is not valid UTF-8");
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\\' && i + 1 < raw.length() && (raw.charAt(i + 1) == '\\' || raw.charAt(i + 1) == 'n')) {
                sb.append(raw.charAt(++i) == 'n' ? '\n' : '\\');
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private String metricName() {
        int start = pos;
        while (pos < end && isNameChar(b[pos], true)) {
            pos++;
        }
        if (pos == start || (b[start] >= '0' && b[start] <= '9')) {
            throw error(pos < end && b[pos] != '\n' ? "invalid metric name at '" + printable(b[pos]) + "'" : "expected a metric name");
        }
        if (lastName == null || !Arrays.equals(b, start, pos, b, lastNameStart, lastNameEnd)) {
            lastName = ascii(start, pos);
            lastNameStart = start;
            lastNameEnd = pos;
        }
        return lastName;
    }

    private double number(String metric) {
        int start = pos;
        while (pos < end && !isBlank(b[pos]) && b[pos] != '\n' && b[pos] != '\r') {
            pos++;
        }
        try {
            return TextNumbers.parse(b, start, pos);
        } catch (NumberFormatException e) {
            throw error("value '" + ascii(start, pos) + "' of " + metric + " is not a number");
        }
    }

    /** The bytes decoded as UTF-8; null when they are not valid UTF-8. */
    private String utf8(byte[] bytes, int off, int len) {
        if (utf8 == null) {
            utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
        }
        try {
            return utf8.decode(ByteBuffer.wrap(bytes, off, len)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private String ascii(int start, int stop) {
        return new String(b, start, stop - start, StandardCharsets.ISO_8859_1);
    }

    private boolean isWord(int start, String word) {
        if (pos - start != word.length()) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            if (b[start + i] != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Skips spaces and tabs; true when at least one was skipped. */
    private boolean skipBlanks() {
        int start = pos;
        while (pos < end && isBlank(b[pos])) {
            pos++;
        }
        return pos > start;
    }

    private boolean atLineEnd() {
        return pos >= end || b[pos] == '\n' || (b[pos] == '\r' && (pos + 1 >= end || b[pos + 1] == '\n'));
    }

    private void endOfLine() {
        if (pos < end && b[pos] == '\r') {
            pos++;
        }
        if (pos < end) {
            if (b[pos] != '\n') {
                throw error("unexpected '" + printable(b[pos]) + "'");
            }
            pos++;
            line++;
        }
    }

    private void skipRestOfLine() {
        while (pos < end && b[pos] != '\n') {
            pos++;
        }
    }

    private static boolean isBlank(byte c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isTokenChar(byte c) {
        return c > ' ' && c != '#';
    }

    private static boolean isNameChar(byte c, boolean metric) {
        return c >= 0 && (metric ? METRIC_NAME_CHAR[c] : LABEL_NAME_CHAR[c]);
    }

    private static String printable(byte c) {
        return c >= ' ' && c < 127 ? String.valueOf((char) c) : String.format("\\x%02x", c & 0xff);
    }

    private PushRejected error(String problem) {
        return PushRejected.malformed("text format parsing error in line " + line + ": " + problem);
    }

}
