package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.MetricNames;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.io.IOException;
import java.io.OutputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
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

    /** Series per snapshot when a family is written in chunks: bounds the memory a scrape needs beyond the store. */
    public static final int DEFAULT_CHUNK_SIZE = 8192;

    private final int chunkSize;

    public Scraper(AggregatesCollector aggregates, PrometheusRegistry registry, ExporterMetrics metrics) {
        this(aggregates, registry, metrics, DEFAULT_CHUNK_SIZE);
    }

    Scraper(AggregatesCollector aggregates, PrometheusRegistry registry, ExporterMetrics metrics, int chunkSize) {
        this.aggregates = aggregates;
        this.registry = registry;
        this.metrics = metrics;
        this.chunkSize = chunkSize;
    }

    public MetricSnapshots scrape(Predicate<String> includedNames) {
        MetricSnapshots own = registry.scrape(includedNames);
        AggregatesCollector.Families families = aggregates.collectFamilies(includedNames);
        FamilyMerger.Merged merged = FamilyMerger.merge(own, families.snapshots());
        metrics.conflictingSeries(families.conflictingSeries() + merged.conflictingSeries());
        return merged.snapshots();
    }

    /**
     * Writes the scrape to {@code out} with {@code writer}: the same bytes as writing {@link #scrape} with it, but
     * family by family and each aggregate family in chunks of {@code chunkSize} series, each chunk built on another
     * core while the previous one is written, so that a scrape holds one or two chunks of snapshots rather than
     * the whole exposition. When two families share a name (they are merged, see {@link FamilyMerger}) or the
     * writer cannot be used in chunks, the whole scrape is built first, as {@link #scrape} does.
     */
    public void write(OutputStream out, ExpositionFormatWriter writer, EscapingScheme escaping, Predicate<String> includedNames) throws IOException {
        MetricSnapshots own = registry.scrape(includedNames);
        AggregatesCollector.Plans plans = aggregates.plan(includedNames);
        Set<String> names = new HashSet<>();
        boolean sharedName = false;
        for (MetricSnapshot s : own) {
            sharedName |= !names.add(s.getMetadata().getPrometheusName());
        }
        for (FamilyBuilder.Plan p : plans.plans()) {
            sharedName |= !names.add(p.familyName());
        }
        if (sharedName || !ChunkedExposition.supports(writer)) {
            AggregatesCollector.Families families = aggregates.collectFamilies(includedNames);
            FamilyMerger.Merged merged = FamilyMerger.merge(own, families.snapshots());
            metrics.conflictingSeries(families.conflictingSeries() + merged.conflictingSeries());
            writer.write(out, merged.snapshots(), escaping);
            return;
        }
        // As FamilyMerger: the process's own families claim their names first, then the aggregates in order.
        Set<String> claimed = new HashSet<>();
        TreeMap<String, Object> families = new TreeMap<>(); // name order, as MetricSnapshots sorts them
        for (MetricSnapshot s : own) {
            claimed.addAll(FamilyMerger.sampleNames(s));
            families.put(s.getMetadata().getPrometheusName(), s);
        }
        int conflicting = plans.conflictingSeries();
        for (FamilyBuilder.Plan p : plans.plans()) {
            List<String> sampleNames = sampleNames(p);
            if (sampleNames.stream().anyMatch(claimed::contains)) {
                conflicting += p.seriesCount();
                continue;
            }
            claimed.addAll(sampleNames);
            families.put(p.familyName(), p);
        }
        metrics.conflictingSeries(conflicting);
        ChunkedExposition exposition = new ChunkedExposition(writer, escaping, out);
        for (Object family : families.values()) {
            if (family instanceof MetricSnapshot s) {
                exposition.write(s, false);
            } else {
                boolean[] started = {false};
                FamilyBuilder.writeChunks((FamilyBuilder.Plan) family, chunkSize, chunk -> {
                    exposition.write(chunk, started[0]);
                    started[0] = true;
                });
            }
        }
        exposition.finish();
    }

    private static List<String> sampleNames(FamilyBuilder.Plan p) {
        return MetricNames.exposedNames(p.familyName(), p.type());
    }
}
