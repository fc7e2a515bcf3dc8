package dev.mayfly.schemas;

import dev.mayfly.schemas.avro.Source;

import java.util.Map;
import java.util.TreeMap;

/**
 * The labels a point's series gets: the point's own labels, overridden by the batch's grouping labels, then
 * {@code job} (always), {@code function} and {@code region} (when the source sets them). A label whose value is empty
 * is no label, as in Prometheus (so {@code m{a=""}} and {@code m} are one series, and an empty grouping label removes
 * the point's label of that name, as the Pushgateway's {@code /a@base64/=} does). Before any aggregation rule drops
 * labels. The one home of that rule: the streams app names series with it, {@code mayfly events} filters with it.
 */
public final class SeriesLabels {
    private SeriesLabels() {
    }

    /** A new sorted map of the series labels of a point with {@code pointLabels} in a batch from {@code source}. */
    public static TreeMap<String, String> of(Map<String, String> pointLabels, Map<String, String> groupingLabels, Source source) {
        TreeMap<String, String> labels = new TreeMap<>(pointLabels);
        labels.putAll(groupingLabels);
        labels.values().removeIf(String::isEmpty);
        labels.put("job", source.getJob());
        if (source.getFunction() != null) {
            labels.put("function", source.getFunction());
        }
        if (source.getRegion() != null) {
            labels.put("region", source.getRegion());
        }
        return labels;
    }
}
