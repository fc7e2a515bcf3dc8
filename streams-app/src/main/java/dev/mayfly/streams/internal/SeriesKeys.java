package dev.mayfly.streams.internal;

import dev.mayfly.schemas.SeriesKey;
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
        List<Label> labels = new ArrayList<>();
        SeriesKey.LabelReader reader = new SeriesKey.LabelReader().reset(SeriesKey.labelPart(key));
        while (reader.next()) {
            labels.add(new Label(reader.name(), reader.value()));
        }
        return new Parsed(SeriesKey.metricName(key), labels);
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
