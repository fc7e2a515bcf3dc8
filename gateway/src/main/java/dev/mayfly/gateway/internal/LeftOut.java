package dev.mayfly.gateway.internal;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.validation.MetricValidator;
import dev.mayfly.schemas.validation.Violation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

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
    private boolean duplicates;

    /** A metric as sent became the points {@code from} to {@code to} of the batch. */
    public void sent(String name, int from, int to) {
        if (to > from) {
            sent.add(new Sent(name, from, to));
        }
    }

    public List<Sent> sent() {
        return sent;
    }

    /** The batch holds a series twice: which copy to keep is chosen once every metric is judged. */
    public void noteDuplicates() {
        duplicates = true;
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

    /**
     * The batch to write: {@code batch} when it passes every check ({@code refusal}) whole (the usual case, checked once);
     * else without each metric as sent that fails the checks alone, or that would claim a name a metric kept before it
     * claims (metrics are kept in the order of the names they are served under, so which of two clashing metrics is
     * kept does not depend on the order a client sends them), each recorded here as left out. Refuses the push when
     * the batch itself is invalid (its job, say) or nothing of it is left. Linear in the push's points and metrics.
     */
    MetricEventBatch keepAcceptable(MetricEventBatch batch, Function<MetricEventBatch, PushRejected> refusal, MetricValidator validator) {
        PushRejected whole = duplicates ? null : refusal.apply(batch);
        if (whole == null && !duplicates) {
            if (batch.getPoints().isEmpty() && !isEmpty()) {
                throw whole();
            }
            return batch;
        }
        Violation batchDefect = validator.checkBatch(batch);
        if (batchDefect != null) {
            throw PushRejected.of(batchDefect);
        }
        List<MetricPoint> points = batch.getPoints();
        List<LeftOut.Sent> sent = new ArrayList<>(this.sent);
        sent.sort(Comparator.comparing((LeftOut.Sent m) -> ServedFamilyConflicts.storedName(points.get(m.from())))
                .thenComparing(m -> points.get(m.from()).getType()));
        Set<LeftOut.Sent> kept = new HashSet<>();
        ServedFamilyConflicts.Claims claims = new ServedFamilyConflicts.Claims();
        Set<Object> keptSeries = new HashSet<>();
        for (LeftOut.Sent m : sent) {
            List<MetricPoint> metric = points.subList(m.from(), m.to());
            PushRejected alone = refusal.apply(withPoints(batch, metric));
            if (alone == null) {
                alone = duplicateSeries(metric, keptSeries);
            }
            if (alone == null) {
                alone = claims.claim(metric.get(0));
            }
            if (alone == null) {
                metric.forEach(p -> keptSeries.add(PointsBuilder.seriesOf(p)));
                kept.add(m);
            } else {
                add(m.name(), metric.size(), alone);
            }
        }
        if (kept.isEmpty()) {
            throw whole();
        }
        List<MetricPoint> keptPoints = new ArrayList<>(points.size());
        for (LeftOut.Sent m : this.sent) {
            if (kept.contains(m)) {
                keptPoints.addAll(points.subList(m.from(), m.to()));
            }
        }
        return withPoints(batch, keptPoints);
    }

    /** The refusal of {@code metric} when one of its series is kept already, or comes twice in it; else null. */
    private static PushRejected duplicateSeries(List<MetricPoint> metric, Set<Object> keptSeries) {
        Set<Object> own = new HashSet<>();
        for (MetricPoint p : metric) {
            Object series = PointsBuilder.seriesOf(p);
            if (keptSeries.contains(series) || !own.add(series)) {
                return PushRejected.badRequest(PushRejected.DUPLICATE_SERIES, "series " + p.getName() + p.getLabels()
                        + " appears twice in one push");
            }
        }
        return null;
    }

    private static MetricEventBatch withPoints(MetricEventBatch batch, List<MetricPoint> points) {
        return new MetricEventBatch(batch.getEventId(), batch.getSource(), batch.getEmitTime(), batch.getOperation(),
                batch.getGroupingLabels(), points);
    }
}
