package dev.mayfly.exporter.internal;

import io.prometheus.metrics.model.registry.MetricNameFilter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusScrapeRequest;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * Serves the store as fresh, immutable snapshots, one family per metric name, built anew on every scrape.
 * Families whose names collide with each other are resolved by {@link FamilyMerger}; {@link #collectFamilies}
 * exposes the families and the number of series left out, for the scrape to count.
 */
public final class AggregatesCollector implements MultiCollector {
    private static final Comparator<FamilyBuilder.Built> FAMILY_ORDER = Comparator
            .comparing((FamilyBuilder.Built b) -> b.snapshot().getMetadata().getPrometheusName())
            .thenComparing(b -> b.type().ordinal());

    private static final Comparator<FamilyBuilder.Plan> PLAN_ORDER = Comparator
            .comparing(FamilyBuilder.Plan::familyName).thenComparing(p -> p.type().ordinal());

    private final SeriesStore store;

    public AggregatesCollector(SeriesStore store) {
        this.store = store;
    }

    /** The families of the store in a deterministic order (name, then type) and the series left out of them. */
    public record Families(List<MetricSnapshot> snapshots, int conflictingSeries) {
    }

    public Families collectFamilies(Predicate<String> includedNames) {
        List<FamilyBuilder.Built> built = new ArrayList<>();
        int[] conflicting = {0};
        store.forEachName((name, series) -> {
            FamilyBuilder.Built b = FamilyBuilder.build(name, series, includedNames);
            conflicting[0] += b.conflictingSeries();
            if (b.snapshot() != null) {
                built.add(b);
            }
        });
        built.sort(FAMILY_ORDER);
        List<MetricSnapshot> snapshots = new ArrayList<>(built.size());
        built.forEach(b -> snapshots.add(b.snapshot()));
        return new Families(snapshots, conflicting[0]);
    }

    /** The plans of the store's families in the order of {@link #collectFamilies}, and the series left out of them. */
    public record Plans(List<FamilyBuilder.Plan> plans, int conflictingSeries) {
    }

    public Plans plan(Predicate<String> includedNames) {
        List<FamilyBuilder.Plan> plans = new ArrayList<>();
        int[] conflicting = {0};
        store.forEachName((name, series) -> {
            FamilyBuilder.Plan p = FamilyBuilder.plan(name, series, includedNames, conflicting);
            if (p != null) {
                plans.add(p);
            }
        });
        plans.sort(PLAN_ORDER);
        return new Plans(plans, conflicting[0]);
    }

    @Override
    public MetricSnapshots collect() {
        return collect(MetricNameFilter.ALLOW_ALL, null);
    }

    @Override
    public MetricSnapshots collect(Predicate<String> includedNames, PrometheusScrapeRequest scrapeRequest) {
        return FamilyMerger.merge(List.of(), collectFamilies(includedNames).snapshots()).snapshots();
    }
}
