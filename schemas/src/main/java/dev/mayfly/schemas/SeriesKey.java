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
