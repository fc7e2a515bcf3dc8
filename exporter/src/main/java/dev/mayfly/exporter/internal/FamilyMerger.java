package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.MetricNames;
import dev.mayfly.schemas.avro.MetricType;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Combines families into one exposition in which every family appears once and no two samples share a name and
 * labels, in either text format.
 *
 * <p>Contract: families are taken in the order given, {@code first} before {@code second}. A family claims its
 * family name and every sample name it can expose ({@code _total}, {@code _created}, {@code _bucket}, ...). A later
 * family with the same name and the same type is merged into the earlier one (its series whose labels the earlier
 * family already has are left out); any other later family claiming a taken name is left out entirely. Every
 * series left out is counted.
 */
public final class FamilyMerger {
    private FamilyMerger() {
    }

    public record Merged(MetricSnapshots snapshots, int conflictingSeries) {
    }

    public static Merged merge(Iterable<MetricSnapshot> first, List<MetricSnapshot> second) {
        Map<String, MetricSnapshot> byName = new LinkedHashMap<>();
        Set<String> claimed = new HashSet<>();
        int conflicting = 0;
        for (Iterable<MetricSnapshot> source : List.of(first, second)) {
            for (MetricSnapshot s : source) {
                String name = s.getMetadata().getPrometheusName();
                MetricSnapshot existing = byName.get(name);
                if (existing != null && existing.getClass() == s.getClass() && isMergeable(existing, s)) {
                    int before = existing.getDataPoints().size() + s.getDataPoints().size();
                    MetricSnapshot merged = mergeDataPoints(existing, s);
                    conflicting += before - merged.getDataPoints().size();
                    byName.put(name, merged);
                    continue;
                }
                List<String> names = sampleNames(s);
                if (names.stream().anyMatch(claimed::contains)) {
                    conflicting += s.getDataPoints().size();
                    continue;
                }
                claimed.addAll(names);
                byName.put(name, s);
            }
        }
        return new Merged(new MetricSnapshots(byName.values()), conflicting);
    }

    /** Every name the family can expose: its family name and the names of its samples, in any format. */
    static List<String> sampleNames(MetricSnapshot s) {
        String n = s.getMetadata().getPrometheusName();
        if (s instanceof InfoSnapshot) {
            return List.of(n, n + "_info");
        }
        return MetricNames.exposedNames(n, typeOf(s));
    }

    /**
     * The families {@code own} serves under each name, as pushed aggregates are typed: what a pushed family of the
     * same name meets when merged ({@link #merge}: merged when its type is the same, else left out). Names an info or
     * an unknown family exposes map to {@link MetricType#UNKNOWN}, which no pushed family has.
     */
    public static Map<String, MetricType> typesByName(Iterable<MetricSnapshot> own) {
        Map<String, MetricType> types = new HashMap<>();
        for (MetricSnapshot s : own) {
            if (s instanceof InfoSnapshot || s instanceof UnknownSnapshot) {
                sampleNames(s).forEach(n -> types.putIfAbsent(n, MetricType.UNKNOWN));
            } else {
                types.putIfAbsent(s.getMetadata().getPrometheusName(), typeOf(s));
            }
        }
        return types;
    }

    private static MetricType typeOf(MetricSnapshot s) {
        return s instanceof CounterSnapshot ? MetricType.COUNTER : s instanceof HistogramSnapshot ? MetricType.HISTOGRAM
                : s instanceof SummarySnapshot ? MetricType.SUMMARY : MetricType.GAUGE;
    }

    private static boolean isMergeable(MetricSnapshot a, MetricSnapshot b) {
        if (a instanceof HistogramSnapshot ha && b instanceof HistogramSnapshot hb) {
            return ha.isGaugeHistogram() == hb.isGaugeHistogram();
        }
        return a instanceof CounterSnapshot || a instanceof GaugeSnapshot || a instanceof UnknownSnapshot;
    }

    @SuppressWarnings("unchecked")
    private static MetricSnapshot mergeDataPoints(MetricSnapshot a, MetricSnapshot b) {
        Set<Labels> seen = new HashSet<>();
        List<DataPointSnapshot> points = new ArrayList<>(a.getDataPoints().size() + b.getDataPoints().size());
        for (DataPointSnapshot p : a.getDataPoints()) {
            seen.add(p.getLabels());
            points.add(p);
        }
        for (DataPointSnapshot p : b.getDataPoints()) {
            if (seen.add(p.getLabels())) {
                points.add(p);
            }
        }
        if (a instanceof CounterSnapshot) {
            return new CounterSnapshot(a.getMetadata(), (List<CounterSnapshot.CounterDataPointSnapshot>) (List<?>) points);
        }
        if (a instanceof GaugeSnapshot) {
            return new GaugeSnapshot(a.getMetadata(), (List<GaugeSnapshot.GaugeDataPointSnapshot>) (List<?>) points);
        }
        if (a instanceof UnknownSnapshot) {
            return new UnknownSnapshot(a.getMetadata(), (List<UnknownSnapshot.UnknownDataPointSnapshot>) (List<?>) points);
        }
        HistogramSnapshot h = (HistogramSnapshot) a;
        return new HistogramSnapshot(h.isGaugeHistogram(), a.getMetadata(), (List<HistogramSnapshot.HistogramDataPointSnapshot>) (List<?>) points);
    }
}
