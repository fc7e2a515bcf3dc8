package dev.mayfly.streams.internal;

import dev.mayfly.schemas.avro.Label;

import java.util.ArrayList;
import java.util.List;

/** Reads a series key ({@code name{a="x",b="y"}}, see {@code SeriesKey}) back into its name and sorted labels. */
final class SeriesKeys {
    private SeriesKeys() {
    }

    record Parsed(String name, List<Label> labels) {
        String label(String labelName) {
            for (Label l : labels) {
                if (l.getName().equals(labelName)) {
                    return l.getValue();
                }
            }
            return null;
        }
    }

    static Parsed parse(String key) {
        int brace = key.indexOf('{');
        if (brace < 0) {
            return new Parsed(key, List.of());
        }
        String name = key.substring(0, brace);
        List<Label> labels = new ArrayList<>();
        int i = brace + 1;
        int end = key.length() - 1; // the closing brace
        StringBuilder value = new StringBuilder();
        while (i < end) {
            int eq = key.indexOf('=', i);
            String labelName = key.substring(i, eq);
            i = eq + 2; // skip ="
            value.setLength(0);
            while (key.charAt(i) != '"') {
                char c = key.charAt(i);
                if (c == '\\') {
                    char n = key.charAt(++i);
                    value.append(n == 'n' ? '\n' : n);
                } else {
                    value.append(c);
                }
                i++;
            }
            i++; // closing quote
            labels.add(new Label(labelName, value.toString()));
            if (i < end && key.charAt(i) == ',') {
                i++;
            }
        }
        return new Parsed(name, labels);
    }

    /** The key of the windowed series {@code <name>_<stat>_<window>} with the labels of {@code key}. */
    static String windowed(String key, String stat, String window) {
        int brace = key.indexOf('{');
        String name = brace < 0 ? key : key.substring(0, brace);
        String rest = brace < 0 ? "{}" : key.substring(brace);
        return name + "_" + stat + "_" + window + rest;
    }

    /** The metric name a windowed series name {@code <name>_<stat>_<window>} was derived from. */
    static String windowedBase(String windowedName) {
        int window = windowedName.lastIndexOf('_');
        return windowedName.substring(0, windowedName.lastIndexOf('_', window - 1));
    }
}
