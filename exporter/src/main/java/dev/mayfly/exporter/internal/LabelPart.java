package dev.mayfly.exporter.internal;

import io.prometheus.metrics.model.snapshots.Labels;


/**
 * Reads the label part of a series key, the text between the braces of {@code name{a="x",b="y"}} as written by
 * {@code SeriesKey}: names sorted, values escaped with {@code \\}, {@code \"} and {@code \n}.
 */
public final class LabelPart {
    private LabelPart() {
    }

    /** The label part of {@code key}, given that {@code key} starts with {@code metricName + "{"}. */
    public static String of(String key, String metricName) {
        if (!key.startsWith(metricName) || key.length() < metricName.length() + 2
                || key.charAt(metricName.length()) != '{' || key.charAt(key.length() - 1) != '}') {
            throw new IllegalArgumentException("series key does not have the form name{labels}: " + key);
        }
        return key.substring(metricName.length() + 1, key.length() - 1);
    }

    /** Parses a label part into labels; throws {@link IllegalArgumentException} when it is malformed. */
    public static Labels parse(String labelPart) {
        return new Parser().parse(labelPart);
    }

    /**
     * A parser for many label parts in a row, as in one family: label names equal to the previous part's are
     * reused rather than allocated again. Not thread-safe.
     */
    public static final class Parser {
        private String[] previousNames = new String[0];

        public Labels parse(String labelPart) {
            if (labelPart.isEmpty()) {
                return Labels.EMPTY;
            }
            String[] names = new String[8];
            String[] values = new String[8];
            int count = 0;
            int i = 0;
            int n = labelPart.length();
            while (true) {
                int eq = labelPart.indexOf('=', i);
                if (eq < 0 || eq + 1 >= n || labelPart.charAt(eq + 1) != '"') {
                    throw malformed(labelPart);
                }
                if (count == names.length) {
                    names = java.util.Arrays.copyOf(names, count * 2);
                    values = java.util.Arrays.copyOf(values, count * 2);
                }
                names[count] = name(labelPart, i, eq, count);
                int valueStart = eq + 2;
                int j = valueStart;
                StringBuilder escaped = null;
                while (true) {
                    if (j >= n) {
                        throw malformed(labelPart);
                    }
                    char c = labelPart.charAt(j);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        if (escaped == null) {
                            escaped = new StringBuilder().append(labelPart, valueStart, j);
                        }
                        if (j + 1 >= n) {
                            throw malformed(labelPart);
                        }
                        switch (labelPart.charAt(j + 1)) {
                            case '\\' -> escaped.append('\\');
                            case '"' -> escaped.append('"');
                            case 'n' -> escaped.append('\n');
                            default -> throw malformed(labelPart);
                        }
                        j += 2;
                        continue;
                    }
                    if (escaped != null) {
                        escaped.append(c);
                    }
                    j++;
                }
                values[count++] = escaped == null ? labelPart.substring(valueStart, j) : escaped.toString();
                j++;
                if (j == n) {
                    break;
                }
                if (labelPart.charAt(j) != ',') {
                    throw malformed(labelPart);
                }
                i = j + 1;
            }
            String[] finalNames = java.util.Arrays.copyOf(names, count);
            previousNames = finalNames;
            return Labels.of(finalNames, java.util.Arrays.copyOf(values, count));
        }

        private String name(String labelPart, int start, int end, int index) {
            if (index < previousNames.length) {
                String previous = previousNames[index];
                if (previous.length() == end - start && labelPart.startsWith(previous, start)) {
                    return previous;
                }
            }
            return labelPart.substring(start, end);
        }
    }

    private static IllegalArgumentException malformed(String labelPart) {
        return new IllegalArgumentException("malformed label part of a series key: {" + labelPart + "}");
    }
}
