package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.MayflyCodecs;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** A store, fed through the consumer's record path (no broker), and a scraper over it. */
final class Fixture {
    static final String TOPIC = "mayfly-aggregates";
    final AvroCodec<Aggregate> codec = MayflyCodecs.aggregates(null, TOPIC);
    final SeriesStore store = new SeriesStore();
    /** Scraped next to the aggregates (the process's own registry). */
    final PrometheusRegistry scrapedRegistry = new PrometheusRegistry();
    /** Holds the exporter metrics; not scraped unless {@link #selfMetricsScraped} is set. */
    final PrometheusRegistry metricsRegistry;
    final ExporterMetrics metrics;
    final AggregatesConsumer consumer;
    final Scraper scraper;

    Fixture() {
        this(false);
    }

    Fixture(boolean selfMetricsScraped) {
        metricsRegistry = selfMetricsScraped ? scrapedRegistry : new PrometheusRegistry();
        metrics = new ExporterMetrics(metricsRegistry, store, () -> 1_700_000_090_000L, TOPIC);
        consumer = new AggregatesConsumer(Map.of(), TOPIC, List.of(), codec, store, metrics);
        scraper = new Scraper(new AggregatesCollector(store), scrapedRegistry, metrics);
    }

    Fixture put(Aggregate... aggregates) {
        for (Aggregate a : aggregates) {
            consumer.apply(TestAggregates.key(a), codec.encode(a));
        }
        return this;
    }

    Fixture tombstone(String key) {
        consumer.apply(key, null);
        return this;
    }

    /** The exposition as the handler writes it: family by family, in chunks (of two series, to exercise the chunking). */
    String text(ExpositionFormatWriter writer, String... names) {
        return streamed(writer, 2, names);
    }

    String streamed(ExpositionFormatWriter writer, int chunkSize, String... names) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new Scraper(new AggregatesCollector(store), scrapedRegistry, metrics, chunkSize)
                    .write(out, writer, EscapingScheme.UNDERSCORE_ESCAPING, NameParameterFilter.of(List.of(names)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The exposition built whole (all snapshots first), then written at once. */
    String materialized(ExpositionFormatWriter writer, String... names) {
        return write(writer, scraper.scrape(NameParameterFilter.of(List.of(names))));
    }

    static String write(ExpositionFormatWriter writer, MetricSnapshots snapshots) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.write(out, snapshots, EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    String selfMetricsText() {
        return write(ContentNegotiation.TEXT, metricsRegistry.scrape());
    }
}
