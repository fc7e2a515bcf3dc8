package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.avro.MetricType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The exporter's copy of the aggregates topic: label part order, replacement in place, removal, concurrent readers. */
class SeriesStoreTest {
    private static final SeriesMetadata COUNTER = new SeriesMetadata(MetricType.COUNTER, null, null);
    private final SeriesStore store = new SeriesStore();

    @Test
    void seriesOfANameAreVisitedInLabelOrderWhateverOrderTheyCameIn() {
        for (String labels : List.of("job=\"b\"", "instance=\"1\",job=\"a\"", "job=\"a\"", "job=\"a\\\"z\"")) {
            store.put("requests_total", labels, series(1));
        }
        List<String> order = new ArrayList<>(store.seriesNamed("requests_total").keySet());
        List<String> expected = new ArrayList<>(order);
        expected.sort(LabelPart.LABELS_ORDER);
        assertThat(order).containsExactlyElementsOf(expected).hasSize(4);
        assertThat(order.get(0)).as("label names first, as the Prometheus client sorts").isEqualTo("instance=\"1\",job=\"a\"");
    }

    @Test
    void replacingASeriesKeepsItsPlaceAndTheCount() {
        store.put("up", "job=\"a\"", series(1));
        store.put("up", "job=\"b\"", series(2));
        store.put("up", "job=\"a\"", series(3));
        Map<String, StoredSeries> up = store.seriesNamed("up");
        assertThat(up).hasSize(2);
        assertThat(store.size()).isEqualTo(2);
        assertThat(up.keySet()).containsExactly("job=\"a\"", "job=\"b\"");
        assertThat(((ScalarSeries) up.get("job=\"a\"")).value()).isEqualTo(3);
        assertThat(((ScalarSeries) store.get("up", "job=\"a\"")).value()).isEqualTo(3);
    }

    @Test
    void removingTheLastSeriesOfANameDropsTheName() {
        store.put("up", "job=\"a\"", series(1));
        store.put("up", "job=\"b\"", series(1));
        store.remove("up", "job=\"a\"");
        assertThat(store.seriesNamed("up").keySet()).containsExactly("job=\"b\"");
        store.remove("up", "job=\"b\"");
        store.remove("up", "job=\"never\"");
        List<String> names = new ArrayList<>();
        store.forEachName((name, series) -> names.add(name));
        assertThat(names).isEmpty();
        assertThat(store.size()).isZero();
        assertThat(store.seriesNamed("up")).isEmpty();
    }

    @Test
    void aReaderIteratingWhileTheWriterReplacesSeriesSeesEveryOneOnceInOrder() throws Exception {
        for (int i = 0; i < 2000; i++) {
            store.put("m", "i=\"" + i + "\"", series(i));
        }
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            for (int round = 0; !stop.get(); round++) {
                for (int i = 0; i < 2000; i += 7) {
                    store.put("m", "i=\"" + i + "\"", series(round));
                }
            }
        });
        writer.start();
        try {
            for (int read = 0; read < 200; read++) {
                List<String> seen = new ArrayList<>();
                store.seriesNamed("m").forEach((labels, s) -> seen.add(labels));
                List<String> sorted = new ArrayList<>(seen);
                sorted.sort(LabelPart.LABELS_ORDER);
                assertThat(seen).doesNotHaveDuplicates().containsExactlyElementsOf(sorted).hasSize(2000);
            }
        } finally {
            stop.set(true);
            writer.join();
        }
    }

    @Test
    void theServedTypeIsTheTypeTheFamilyBuilderChoosesAsSeriesComeChangeTypeAndGo() {
        assertThat(store.servedType("latency")).isNull();
        store.put("latency", "job=\"a\"", series(1));
        store.put("latency", "job=\"b\"", typed(MetricType.GAUGE));
        assertThat(store.servedType("latency")).as("a tie: counters first").isEqualTo(MetricType.COUNTER);
        store.put("latency", "job=\"c\"", typed(MetricType.GAUGE));
        assertThat(store.servedType("latency")).as("most series are gauges").isEqualTo(MetricType.GAUGE);
        assertThat(FamilyBuilder.build("latency", store.seriesNamed("latency"), n -> true).type()).isEqualTo(MetricType.GAUGE);
        store.put("latency", "job=\"b\"", series(2)); // a series replaced by one of another type
        assertThat(store.servedType("latency")).isEqualTo(MetricType.COUNTER);
        assertThat(FamilyBuilder.build("latency", store.seriesNamed("latency"), n -> true).type()).isEqualTo(MetricType.COUNTER);
        store.remove("latency", "job=\"a\"");
        store.remove("latency", "job=\"b\"");
        assertThat(store.servedType("latency")).isEqualTo(MetricType.GAUGE);
        store.remove("latency", "job=\"c\"");
        assertThat(store.servedType("latency")).isNull();
        store.put("latency", "job=\"a\"", typed(MetricType.UNKNOWN));
        assertThat(store.servedType("latency")).as("a name that comes back starts over").isEqualTo(MetricType.UNKNOWN);
    }

    @Test
    void theTypesVersionMovesExactlyWhenSomeNamesServedTypeChanges() {
        long v = store.typesVersion();
        store.put("up", "job=\"a\"", series(1));
        assertThat(store.typesVersion()).as("a new name").isGreaterThan(v);
        v = store.typesVersion();
        store.put("up", "job=\"a\"", series(2));
        store.put("up", "job=\"b\"", series(1));
        assertThat(store.typesVersion()).as("values and series of the same type").isEqualTo(v);
        store.put("up", "job=\"c\"", typed(MetricType.GAUGE));
        assertThat(store.typesVersion()).as("a minority type").isEqualTo(v);
        store.put("up", "job=\"b\"", typed(MetricType.GAUGE));
        assertThat(store.typesVersion()).as("the majority turned").isGreaterThan(v);
        v = store.typesVersion();
        store.remove("up", "job=\"b\"");
        assertThat(store.typesVersion()).as("back to a tie: counters first").isGreaterThan(v);
        v = store.typesVersion();
        store.remove("up", "job=\"c\"");
        assertThat(store.typesVersion()).isEqualTo(v);
        store.remove("up", "job=\"a\"");
        assertThat(store.typesVersion()).as("the name is gone").isGreaterThan(v);
        v = store.typesVersion();
        store.clear();
        assertThat(store.typesVersion()).isGreaterThan(v);
    }

    private static ScalarSeries typed(MetricType type) {
        return new ScalarSeries(new SeriesMetadata(type, null, null), 0, 0, 1);
    }

    private static ScalarSeries series(double value) {
        return new ScalarSeries(COUNTER, 0, 0, value);
    }
}
