package dev.mayfly.launcher.internal.backfill;

import dev.mayfly.exporter.internal.AggregatesCollector;
import dev.mayfly.exporter.internal.FamilyBuilder;
import dev.mayfly.exporter.internal.SeriesStore;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes the series of a {@link SeriesStore} as OpenMetrics text with a timestamp on every sample, one block per
 * step: the families the exporter serves ({@link AggregatesCollector}, {@link FamilyBuilder}: the same names, one family per name, {@code _total} on counters,
 * labels, escaping, histogram buckets), rendered by the Prometheus client's OpenMetrics writer as GET /metrics renders
 * them, without {@code _created} samples (they would become series of their own). Families are grouped within a step
 * and in name order; a family appears again in each later step (promtool's reader accepts that). {@link #finish}
 * writes the one {@code # EOF}.
 */
final class OpenMetricsSteps {
    private static final OpenMetricsTextFormatWriter WRITER = OpenMetricsTextFormatWriter.builder()
            .setCreatedTimestampsEnabled(false).setExemplarsOnAllMetricTypesEnabled(false).build();
    /** What Prometheus 2.42 asks for when it scrapes: the escaping the exporter answers it with. */
    private static final EscapingScheme ESCAPING = EscapingScheme.fromAcceptHeader("application/openmetrics-text;version=1.0.0,"
            + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
    private static final byte[] EOF = "# EOF\n".getBytes(StandardCharsets.UTF_8);

    private final OutputStream out;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private long samples;

    OpenMetricsSteps(OutputStream out) {
        this.out = out;
    }

    /** Writes every series of {@code store} at {@code timestampMs}. */
    void write(SeriesStore store, long timestampMs) throws IOException {
        String suffix = " " + seconds(timestampMs) + "\n";
        // the families as GET /metrics serves them: one per exposed name, conflicting series left out as it leaves them
        for (MetricSnapshot snapshot : new AggregatesCollector(store).collect()) {
            buffer.reset();
            WRITER.write(buffer, MetricSnapshots.of(snapshot), ESCAPING);
            for (String line : buffer.toString(StandardCharsets.UTF_8).split("\n")) {
                if (line.isEmpty() || line.equals("# EOF")) {
                    continue;
                }
                if (line.startsWith("#")) {
                    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                } else {
                    out.write((line + suffix).getBytes(StandardCharsets.UTF_8));
                    samples++;
                }
            }
        }
    }

    void finish() throws IOException {
        out.write(EOF);
        out.flush();
    }

    long samples() {
        return samples;
    }

    /** Epoch milliseconds as OpenMetrics seconds: whole when whole, else with the milliseconds. */
    static String seconds(long ms) {
        long s = Math.floorDiv(ms, 1000);
        long frac = Math.floorMod(ms, 1000);
        return frac == 0 ? Long.toString(s) : s + "." + String.format("%03d", frac);
    }
}
