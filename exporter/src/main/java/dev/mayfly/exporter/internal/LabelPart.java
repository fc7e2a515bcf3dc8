package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.SeriesKey;
import io.prometheus.metrics.model.snapshots.Labels;

import java.util.Comparator;


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

    /**
     * Orders label parts as the Prometheus client orders the {@link Labels} they parse to ({@link Labels#compareTo}:
     * the label names first, name by name, then the values, value by value, each as a {@link String}), without
     * parsing them. The store keeps series in this order, so a family can be written in chunks that come out in
     * the order the client would sort the whole family in. Label parts must be well formed.
     */
    public static final Comparator<String> LABELS_ORDER = LabelPart::compare;

    static int compare(String a, String b) {
        if (a.equals(b)) {
            return 0;
        }
        // names, label by label
        int i = 0;
        int j = 0;
        int na = a.length();
        int nb = b.length();
        while (true) {
            if (i >= na) {
                if (j < nb) {
                    return -1; // fewer labels
                }
                break;
            }
            if (j >= nb) {
                return 1;
            }
            int ea = a.indexOf('=', i);
            int eb = b.indexOf('=', j);
            int c = compareRange(a, i, ea, b, j, eb);
            if (c != 0) {
                return c;
            }
            i = next(a, ea + 2);
            j = next(b, eb + 2);
        }
        // same names: values, label by label
        i = 0;
        j = 0;
        while (i < na) {
            i = a.indexOf('=', i) + 2;
            j = b.indexOf('=', j) + 2;
            // compare the unescaped values
            while (true) {
                char ca = a.charAt(i);
                char cb = b.charAt(j);
                boolean endA = ca == '"';
                boolean endB = cb == '"';
                if (endA || endB) {
                    if (endA && endB) {
                        break;
                    }
                    return endA ? -1 : 1;
                }
                if (ca == '\\') {
                    ca = unescape(a.charAt(++i));
                }
                if (cb == '\\') {
                    cb = unescape(b.charAt(++j));
                }
                if (ca != cb) {
                    return ca - cb;
                }
                i++;
                j++;
            }
            i += 2; // closing quote and comma
            j += 2;
        }
        return 0;
    }

    private static char unescape(char c) {
        return c == 'n' ? '\n' : c;
    }

    private static int compareRange(String a, int from, int to, String b, int bFrom, int bTo) {
        int len = Math.min(to - from, bTo - bFrom);
        for (int k = 0; k < len; k++) {
            char ca = a.charAt(from + k);
            char cb = b.charAt(bFrom + k);
            if (ca != cb) {
                return ca - cb;
            }
        }
        return (to - from) - (bTo - bFrom);
    }

    /** The index after the comma that follows the value starting at {@code valueStart}, or past the end. */
    private static int next(String s, int valueStart) {
        int k = valueStart;
        while (true) {
            char c = s.charAt(k);
            if (c == '\\') {
                k += 2;
            } else if (c == '"') {
                return k + 2;
            } else {
                k++;
            }
        }
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
        private final SeriesKey.LabelReader reader = new SeriesKey.LabelReader();
        private String[] previousNames = new String[0];

        public Labels parse(String labelPart) {
            if (labelPart.isEmpty()) {
                return Labels.EMPTY;
            }
            String[] names = new String[8];
            String[] values = new String[8];
            int count = 0;
            reader.reset(labelPart);
            while (reader.next()) {
                if (count == names.length) {
                    names = java.util.Arrays.copyOf(names, count * 2);
                    values = java.util.Arrays.copyOf(values, count * 2);
                }
                names[count] = count < previousNames.length && reader.nameIs(previousNames[count]) ? previousNames[count] : reader.name();
                values[count++] = reader.value();
            }
            String[] finalNames = java.util.Arrays.copyOf(names, count);
            previousNames = finalNames;
            return Labels.of(finalNames, java.util.Arrays.copyOf(values, count));
        }
    }
}
