package dev.mayfly.gateway.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * What was left out of a push accepted in part (OTLP's partial success): per metric, how many of its data points and
 * why. Everything else of the push is written. Not thread-safe: one per push.
 */
public final class LeftOut {
    /** One metric left out: its name as sent, its data points, and the refusal it would have had alone. */
    public record Metric(String name, int points, PushRejected why) {
    }

    private final List<Metric> metrics = new ArrayList<>();
    private long points;
    private long accepted;

    public void add(String name, int points, PushRejected why) {
        metrics.add(new Metric(name, points, why));
        this.points += points;
    }

    public boolean isEmpty() {
        return metrics.isEmpty();
    }

    public List<Metric> metrics() {
        return metrics;
    }

    /** The points written of the push (known once its batch is made). */
    public void accepted(long writtenPoints) {
        accepted = writtenPoints;
    }

    /** Data points left out. */
    public long points() {
        return points;
    }

    /** The refusal of a push nothing is left of: the first metric's, naming how many more were refused. */
    public PushRejected whole() {
        PushRejected first = metrics.get(0).why();
        if (metrics.size() == 1) {
            return first;
        }
        return new PushRejected(first.status(), first.reason(), first.getMessage() + " (and " + (metrics.size() - 1)
                + " more metric" + (metrics.size() > 2 ? "s" : "") + " refused: " + names(1) + ")");
    }

    /** For the client: how many data points were left out, of which metrics, and why (bounded). */
    public String message() {
        StringBuilder sb = new StringBuilder().append(points).append(" of ").append(points + accepted)
                .append(" data points left out, the rest accepted: ");
        for (int i = 0; i < metrics.size(); i++) {
            sb.append(i == 0 ? "" : " | ").append(metrics.get(i).why().getMessage());
        }
        return PushRejected.bounded(sb.toString());
    }

    private String names(int from) {
        List<String> names = new ArrayList<>();
        for (int i = from; i < metrics.size(); i++) {
            names.add(metrics.get(i).name());
        }
        return String.join(", ", names);
    }
}
