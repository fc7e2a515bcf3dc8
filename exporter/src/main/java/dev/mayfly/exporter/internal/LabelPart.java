package dev.mayfly.exporter.internal;

import io.prometheus.metrics.model.snapshots.Labels;

import java.util.ArrayList;
import java.util.List;

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
        if (labelPart.isEmpty()) {
            return Labels.EMPTY;
        }
        List<String> names = new ArrayList<>(4);
        List<String> values = new ArrayList<>(4);
        StringBuilder value = new StringBuilder();
        int i = 0;
        int n = labelPart.length();
        while (true) {
            int eq = labelPart.indexOf('=', i);
            if (eq < 0 || eq + 1 >= n || labelPart.charAt(eq + 1) != '"') {
                throw malformed(labelPart);
            }
            names.add(labelPart.substring(i, eq));
            value.setLength(0);
            int j = eq + 2;
            boolean closed = false;
            while (j < n) {
                char c = labelPart.charAt(j++);
                if (c == '"') {
                    closed = true;
                    break;
                }
                if (c == '\\') {
                    if (j >= n) {
                        throw malformed(labelPart);
                    }
                    char e = labelPart.charAt(j++);
                    switch (e) {
                        case '\\' -> value.append('\\');
                        case '"' -> value.append('"');
                        case 'n' -> value.append('\n');
                        default -> throw malformed(labelPart);
                    }
                } else {
                    value.append(c);
                }
            }
            if (!closed) {
                throw malformed(labelPart);
            }
            values.add(value.toString());
            if (j == n) {
                break;
            }
            if (labelPart.charAt(j) != ',') {
                throw malformed(labelPart);
            }
            i = j + 1;
        }
        return Labels.of(names, values);
    }

    private static IllegalArgumentException malformed(String labelPart) {
        return new IllegalArgumentException("malformed label part of a series key: {" + labelPart + "}");
    }
}
