package dev.mayfly.gateway.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A push accepted in part (OTLP's partial success): where the points of each metric as sent lie in its batch, and
 * what was left out of it, per metric: how many of its data points and why. Everything else of the push is written.
 * Not thread-safe: one per push.
 */
public final class LeftOut {
    /** One metric left out: its name as sent, its data points, and the refusal it would have had alone. */
    public record Metric(String name, int points, PushRejected why) {
    }

    /** The points {@code from} (inclusive) to {@code to} (exclusive) of the batch: one metric as sent. */
    public record Sent(String name, int from, int to) {
    }

    private final List<Sent> sent = new ArrayList<>();
    private final List<Metric> metrics = new ArrayList<>();
    private long points;
    private long accepted;
    private String message;

    /** A metric as sent became the points {@code from} to {@code to} of the batch. */
    public void sent(String name, int from, int to) {
        if (to > from) {
            sent.add(new Sent(name, from, to));
        }
    }

    public List<Sent> sent() {
        return sent;
    }

    public void add(String name, int points, PushRejected why) {
        metrics.add(new Metric(name, points, why));
        this.points += points;
        message = null;
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
        message = null;
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
        StringBuilder more = new StringBuilder();
        for (int i = 1; i < metrics.size() && more.length() < PushRejected.MAX_MESSAGE; i++) {
            more.append(i == 1 ? "" : ", ").append(metrics.get(i).name());
        }
        return new PushRejected(first.status(), first.reason(), first.getMessage() + " (and " + (metrics.size() - 1)
                + " more metric" + (metrics.size() > 2 ? "s" : "") + " refused: " + more + ")");
    }

    /** For the client: how many data points were left out, and of which metrics why (bounded, as every refusal). */
    public String message() {
        if (message == null) {
            StringBuilder sb = new StringBuilder().append(points).append(" of ").append(points + accepted)
                    .append(" data points left out, the rest accepted: ");
            for (int i = 0; i < metrics.size() && sb.length() <= PushRejected.MAX_MESSAGE; i++) {
                sb.append(i == 0 ? "" : " | ").append(metrics.get(i).why().getMessage());
            }
            message = PushRejected.bounded(sb.toString());
        }
        return message;
    }
}
