package dev.mayfly.gateway.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the tokens of a text-format push straight from the request bytes, for {@link TextFormatParser}: metric names,
 * label sets, values, the words of comment lines and line ends. No line strings, no regular expressions; numbers are
 * read in place ({@link TextNumbers}). Names and label values that repeat those of the line before (the usual case:
 * a family's samples follow each other) reuse that line's strings instead of copying the bytes again. A problem is a
 * {@link PushRejected} naming the line. Not thread-safe: one per push.
 */
final class TextLineReader {
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
    // the last metric name read, and where in the body its text is
    private String lastName;
    private int lastNameStart;
    private int lastNameEnd;
    // the label set of the last sample read. Slot i keeps its strings after the sample: labelNames[i] is always the
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

    /** Reads {@code length} bytes of {@code body}. */
    TextLineReader(byte[] body, int length) {
        this.b = body;
        this.end = length;
    }

    /** The line being read, from 1. */
    int line() {
        return line;
    }

    boolean more() {
        return pos < end;
    }

    /** Steps over {@code c} when it is next; whether it was. */
    boolean skip(char c) {
        if (pos < end && b[pos] == c) {
            pos++;
            return true;
        }
        return false;
    }

    /** Skips spaces and tabs; true when at least one was skipped. */
    boolean skipBlanks() {
        int start = pos;
        while (pos < end && isBlank(b[pos])) {
            pos++;
        }
        return pos > start;
    }

    boolean atLineEnd() {
        return pos >= end || b[pos] == '\n' || (b[pos] == '\r' && (pos + 1 >= end || b[pos + 1] == '\n'));
    }

    /** Steps over the line end (LF or CRLF); anything else there is refused. */
    void endOfLine() {
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

    void skipRestOfLine() {
        while (pos < end && b[pos] != '\n') {
            pos++;
        }
    }

    /** Reads a word of a comment line (up to a blank or {@code #}); the word is {@code [start, position())}. */
    int word() {
        int start = pos;
        while (pos < end && b[pos] > ' ' && b[pos] != '#') {
            pos++;
        }
        return start;
    }

    /** Whether the word read last, from {@code start}, is {@code word}. */
    boolean isWord(int start, String word) {
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

    /** Where the next byte to read is. */
    int position() {
        return pos;
    }

    /** The bytes {@code [start, stop)} as text, byte for character (words and names are ASCII). */
    String text(int start, int stop) {
        return new String(b, start, stop - start, StandardCharsets.ISO_8859_1);
    }

    String metricName() {
        int start = pos;
        while (pos < end && isNameChar(b[pos], true)) {
            pos++;
        }
        if (pos > start && b[start] >= '0' && b[start] <= '9') {
            throw error("invalid metric name '" + text(start, pos) + "': it must match [a-zA-Z_:][a-zA-Z0-9_:]*");
        }
        if (pos == start) {
            throw error(pos < end && b[pos] != '\n' ? "invalid metric name at '" + printable(b[pos]) + "'" : "expected a metric name");
        }
        if (lastName == null || !Arrays.equals(b, start, pos, b, lastNameStart, lastNameEnd)) {
            lastName = text(start, pos);
            lastNameStart = start;
            lastNameEnd = pos;
        }
        return lastName;
    }

    /** Reads a sample's label set when one is next ({@code {...}}); whether one was. Without one, no labels. */
    boolean labels(String metric) {
        labelCount = 0;
        if (!skip('{')) {
            return false;
        }
        while (true) {
            skipBlanks();
            if (pos >= end || b[pos] == '\n') {
                throw error("unterminated label set of " + metric);
            }
            if (skip('}')) {
                return true;
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
                    ? labelNames[slot] : text(start, pos);
            int labelNameEnd = pos;
            skipBlanks();
            if (!skip('=')) {
                throw error("expected '=' after label name " + labelName + " of " + metric);
            }
            skipBlanks();
            if (!skip('"')) {
                throw error("expected '\"' to start the value of label " + labelName + " of " + metric);
            }
            int valueFrom = pos;
            String value = quoted(slot, labelName, metric);
            if (labelIndex(labelName) >= 0) {
                throw error("label " + labelName + " appears twice on " + metric);
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
            if (!skip(',') && (pos >= end || b[pos] != '}')) {
                throw error("expected ',' or '}' after the value of label " + labelName + " of " + metric);
            }
        }
    }

    /** The slot of the label named {@code labelName} in the last label set read; -1 when it has none. */
    int labelIndex(String labelName) {
        for (int i = 0; i < labelCount; i++) {
            if (labelNames[i].equals(labelName)) {
                return i;
            }
        }
        return -1;
    }

    String labelValue(int slot) {
        return labelValues[slot];
    }

    /** The value of label {@code slot} as a short plain decimal read in place; NaN when it is not one. */
    double labelValueAsDecimal(int slot) {
        return valuePlain[slot] ? TextNumbers.fastDecimal(b, valueStart[slot], valueEnd[slot]) : Double.NaN;
    }

    /** The last label set read but the label {@code except} (null: none), as a new map. */
    Map<String, String> labelMap(String except) {
        Map<String, String> m = new HashMap<>(Math.max(4, labelCount * 2));
        for (int i = 0; i < labelCount; i++) {
            if (labelNames[i].equals(except)) {
                continue;
            }
            m.put(labelNames[i], labelValues[i]);
        }
        return m;
    }

    /** Whether {@code labelMap(except).equals(labels)}, without making the map. */
    boolean hasLabels(Map<String, String> labels, String except) {
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

    /** A sample's value; what follows it on the line must be blanks (a timestamp is refused, naming itself). */
    double value(String metric) {
        int start = pos;
        while (pos < end && !isBlank(b[pos]) && b[pos] != '\n' && b[pos] != '\r') {
            pos++;
        }
        double value;
        try {
            value = TextNumbers.parse(b, start, pos);
        } catch (NumberFormatException e) {
            throw error("value '" + text(start, pos) + "' of " + metric + " is not a number");
        }
        skipBlanks();
        if (!atLineEnd()) {
            int rest = pos;
            while (pos < end && !isBlank(b[pos]) && b[pos] != '\n') {
                pos++;
            }
            if (TextNumbers.isInteger(b, rest, pos)) {
                throw PushRejected.badRequest(PushRejected.TIMESTAMP, "line " + line + ": sample " + metric
                        + " has a timestamp; timestamps are not accepted, the push time is the sample time");
            }
            throw error("unexpected text after the value of " + metric);
        }
        return value;
    }

    /** The rest of the line with HELP's escapes ({@code \\}, {@code \n}) undone. */
    String escapedUntilLineEnd() {
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
            return text(start, stop);
        }
        String text = TextEscapes.helpText(b, start, stop);
        if (text == null) {
            throw error("HELP text is not valid UTF-8");
        }
        return text;
    }

    /** A refusal of this push naming the line being read. */
    PushRejected error(String problem) {
        return PushRejected.malformed("text format parsing error in line " + line + ": " + problem);
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
                    ? labelValues[slot] : text(start, stop);
        }
        String text;
        try {
            text = TextEscapes.labelValue(b, start, stop);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage() + " in the value of label " + labelName + " of " + metric);
        }
        if (text == null) {
            throw error("the value of label " + labelName + " of " + metric + " is not valid UTF-8");
        }
        return text;
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

    private static boolean isBlank(byte c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isNameChar(byte c, boolean metric) {
        return c >= 0 && (metric ? METRIC_NAME_CHAR[c] : LABEL_NAME_CHAR[c]);
    }

    private static String printable(byte c) {
        return c >= ' ' && c < 127 ? String.valueOf((char) c) : String.format("\\x%02x", c & 0xff);
    }
}
