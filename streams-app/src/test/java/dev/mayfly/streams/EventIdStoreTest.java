package dev.mayfly.streams;

import dev.mayfly.streams.internal.AggregateProcessor;
import dev.mayfly.streams.internal.IngestProcessor;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The event-id (dedup) store must have no record cache: each id is written once, so a cache saves no write, and a
 * cached entry keeps the raw source record (the whole event batch) in its record context, outside the cache's byte
 * budget. With the cache, 12,000 batches of 1000 points (10 labels) needed a 3 GB heap (docs/benchmarks-streams.md).
 */
class EventIdStoreTest {
    @Test
    void theEventIdStoreHasNoCacheLayer() {
        try (Pipeline pipeline = Pipeline.start()) {
            assertThat(layers(pipeline.driver.getWindowStore(IngestProcessor.DEDUP_STORE))).as("layers of the event-id store").hasSizeGreaterThan(1)
                    .noneMatch(layer -> layer.contains("Caching"));
        }
    }

    @Test
    void theSeriesStoreHasNoCacheLayerTheOtherAggregateStoresKeepTheirs() {
        try (Pipeline pipeline = Pipeline.start()) {
            // the aggregate step holds the series itself and writes them back once per commit (WriteBackSeries)
            assertThat(layers(pipeline.driver.getKeyValueStore(AggregateProcessor.SERIES_STORE))).as("layers of the series store")
                    .hasSizeGreaterThan(1).noneMatch(layer -> layer.contains("Caching"));
            assertThat(layers(pipeline.driver.getKeyValueStore(AggregateProcessor.CUMULATIVE_STORE))).as("layers of the cumulative store")
                    .anyMatch(layer -> layer.contains("Caching"));
        }
    }

    /** The class names of a store's layers, outermost first (metered, caching, change-logging, ..., the bytes store). */
    private static List<String> layers(StateStore outer) {
        List<String> layers = new ArrayList<>();
        for (StateStore store = outer; store != null;
             store = store instanceof WrappedStateStore<?, ?, ?> wrapped ? wrapped.wrapped() : null) {
            layers.add(store.getClass().getSimpleName());
        }
        return layers;
    }
}
