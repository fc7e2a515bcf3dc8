package dev.mayfly.schemas;

import dev.mayfly.schemas.avro.Label;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The canonical identity of a series: {@code name{a="x",b="y"}} with labels sorted by name and values escaped
 * as in the Prometheus text format ({@code \\}, {@code \"}, {@code \n}). It is the key of the aggregates topic,
 * so two series are the same exactly when their keys are equal byte for byte.
 */
public final class SeriesKey {
    private SeriesKey() {
    }

    /** Key of a series whose labels are already sorted by name. */
    public static String of(String name, SortedMap<String, String> sortedLabels) {
        StringBuilder sb = new StringBuilder(name.length() + 16 * sortedLabels.size() + 2);
        sb.append(name).append('{');
        boolean first = true;
        for (Map.Entry<String, String> e : sortedLabels.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            appendLabel(sb, e.getKey(), e.getValue());
        }
        return sb.append('}').toString();
    }

    /** Key of a series from Avro labels that are sorted by name (as on an {@code Aggregate}). */
    public static String of(String name, List<Label> sortedLabels) {
        StringBuilder sb = new StringBuilder(name.length() + 16 * sortedLabels.size() + 2);
        sb.append(name).append('{');
        for (int i = 0; i < sortedLabels.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            appendLabel(sb, sortedLabels.get(i).getName(), sortedLabels.get(i).getValue());
        }
        return sb.append('}').toString();
    }

    public static byte[] bytes(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    /** The metric name part of a key. */
    public static String metricName(String key) {
        int brace = key.indexOf('{');
        return brace < 0 ? key : key.substring(0, brace);
    }

    /**
     * Reads the labels of a key's label part (the text between its braces) one by one, unescaping values, so
     * readers need not know the escaping. Strict: a part {@link #of} did not write throws
     * {@link IllegalArgumentException}. Reusable, not thread-safe.
     */
    public static final class LabelReader {
        private String part = "";
        private int position;
        private int nameStart;
        private int nameEnd;
        private String value;

        /** Starts reading {@code labelPart}, e.g. {@code a="x",b="y"}. */
        public LabelReader reset(String labelPart) {
            this.part = labelPart;
            this.position = 0;
            return this;
        }

        /** Reads the next label; false after the last one. */
        public boolean next() {
            int n = part.length();
            if (position >= n) {
                return false;
            }
            int eq = part.indexOf('=', position);
            if (eq < 0 || eq + 1 >= n || part.charAt(eq + 1) != '"') {
                throw malformed();
            }
            nameStart = position;
            nameEnd = eq;
            int valueStart = eq + 2;
            int j = valueStart;
            StringBuilder escaped = null;
            while (true) {
                if (j >= n) {
                    throw malformed();
                }
                char c = part.charAt(j);
                if (c == '"') {
                    break;
                }
                if (c == '\\') {
                    if (escaped == null) {
                        escaped = new StringBuilder().append(part, valueStart, j);
                    }
                    if (j + 1 >= n) {
                        throw malformed();
                    }
                    switch (part.charAt(j + 1)) {
                        case '\\' -> escaped.append('\\');
                        case '"' -> escaped.append('"');
                        case 'n' -> escaped.append('\n');
                        default -> throw malformed();
                    }
                    j += 2;
                    continue;
                }
                if (escaped != null) {
                    escaped.append(c);
                }
                j++;
            }
            value = escaped == null ? part.substring(valueStart, j) : escaped.toString();
            j++;
            if (j < n && (part.charAt(j) != ',' || j + 1 == n)) {
                throw malformed();
            }
            position = j + 1;
            return true;
        }

        /** The current label's name. */
        public String name() {
            return part.substring(nameStart, nameEnd);
        }

        /** True when the current label's name is {@code candidate} (no allocation). */
        public boolean nameIs(String candidate) {
            return candidate.length() == nameEnd - nameStart && part.startsWith(candidate, nameStart);
        }

        /** The current label's value, unescaped. */
        public String value() {
            return value;
        }

        private IllegalArgumentException malformed() {
            return new IllegalArgumentException("malformed label part of a series key: {" + part + "}");
        }
    }

    /** The label part of {@code key}: the text between its braces (empty when it has none). */
    public static String labelPart(String key) {
        int brace = key.indexOf('{');
        if (brace < 0) {
            return "";
        }
        if (key.charAt(key.length() - 1) != '}') {
            throw new IllegalArgumentException("series key does not have the form name{labels}: " + key);
        }
        return key.substring(brace + 1, key.length() - 1);
    }

    private static void appendLabel(StringBuilder sb, String name, String value) {
        sb.append(name).append("=\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
        sb.append('"');
    }
}
