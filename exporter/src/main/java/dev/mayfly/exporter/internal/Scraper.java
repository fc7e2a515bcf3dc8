package dev.mayfly.exporter.internal;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.function.Predicate;

/**
 * One scrape's content: the process's own registry (exporter self-metrics, JVM metrics) first, then the
 * aggregates, combined by {@link FamilyMerger} so that each family appears once. Series left out are reported on
 * {@code mayfly_exporter_conflicting_series} from the next scrape on.
 */
public final class Scraper {
    private final AggregatesCollector aggregates;
    private final PrometheusRegistry registry;
    private final ExporterMetrics metrics;

    public Scraper(AggregatesCollector aggregates, PrometheusRegistry registry, ExporterMetrics metrics) {
        this.aggregates = aggregates;
        this.registry = registry;
        this.metrics = metrics;
    }

    public MetricSnapshots scrape(Predicate<String> includedNames) {
        MetricSnapshots own = registry.scrape(includedNames);
        AggregatesCollector.Families families = aggregates.collectFamilies(includedNames);
        FamilyMerger.Merged merged = FamilyMerger.merge(own, families.snapshots());
        metrics.conflictingSeries(families.conflictingSeries() + merged.conflictingSeries());
        return merged.snapshots();
    }
}
