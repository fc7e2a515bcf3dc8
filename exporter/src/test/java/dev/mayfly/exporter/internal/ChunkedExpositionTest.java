package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.MetricType;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.model.snapshots.Labels;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.mayfly.exporter.internal.TestAggregates.aggregate;
import static dev.mayfly.exporter.internal.TestAggregates.histogram;
import static org.assertj.core.api.Assertions.assertThat;

/** Writing in chunks gives the bytes of writing everything at once; the store's order is the client's order. */
class ChunkedExpositionTest {
    private static final String[] NAMES = {"a", "b", "ab", "b_", "c"};
    private static final String[] VALUES = {"", "x", "x y", "x!", "x\"", "x\\", "x\n", "x0", "xa", "é", "\"", "10", "9", "1"};

    @Test
    void labelPartOrderIsTheClientsLabelsOrder() {
        Random random = new Random(42);
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            parts.add(randomLabelPart(random));
        }
        for (String a : parts) {
            for (String b : parts) {
                int expected = Integer.signum(LabelPart.parse(a).compareTo(LabelPart.parse(b)));
                assertThat(Integer.signum(LabelPart.LABELS_ORDER.compare(a, b))).as("%s vs %s", a, b).isEqualTo(expected);
            }
        }
    }

    @Test
    void chunkedExpositionIsTheWholeExposition() {
        Fixture f = new Fixture(true);
        Random random = new Random(7);
        List<Aggregate> aggregates = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String[] labels = randomLabels(random);
            aggregates.add(switch (i % 4) {
                case 0 -> aggregate("requests", MetricType.COUNTER, labels).setHelp("Requests").setValue(i).build();
                case 1 -> aggregate("temperature_celsius", MetricType.GAUGE, labels).setHelp("T").setUnit("celsius").setValue(-i / 4.0).build();
                case 2 -> aggregate("duration_seconds", MetricType.HISTOGRAM, labels).setHelp("D").setUnit("seconds")
                        .setHistogram(histogram(new double[]{0.1, 1}, new long[]{1, i, 3}, i * 0.5)).build();
                default -> aggregate("queue_depth", MetricType.UNKNOWN, labels).setValue(i).build();
            });
        }
        f.put(aggregates.toArray(Aggregate[]::new));
        f.text(ContentNegotiation.TEXT); // self-metrics settle after a first scrape
        for (ExpositionFormatWriter writer : List.of(ContentNegotiation.TEXT, ContentNegotiation.OPEN_METRICS)) {
            String whole = f.materialized(writer);
            for (int chunk : new int[]{1, 3, 64, Scraper.DEFAULT_CHUNK_SIZE}) {
                assertThat(f.streamed(writer, chunk)).as("chunks of %d", chunk).isEqualTo(whole);
            }
            assertThat(f.streamed(writer, 5, "requests", "queue_depth")).isEqualTo(f.materialized(writer, "requests", "queue_depth"));
        }
    }

    private static String randomLabelPart(Random random) {
        String[] labels = randomLabels(random);
        Labels l = Labels.of(labels);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < l.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(l.getName(i)).append("=\"")
                    .append(l.getValue(i).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
        }
        return sb.toString();
    }

    private static String[] randomLabels(Random random) {
        List<String> names = new ArrayList<>(List.of(NAMES));
        java.util.Collections.shuffle(names, random);
        int n = random.nextInt(4);
        String[] kv = new String[2 * n];
        for (int i = 0; i < n; i++) {
            kv[2 * i] = names.get(i);
            kv[2 * i + 1] = VALUES[random.nextInt(VALUES.length)];
        }
        return kv;
    }
}
