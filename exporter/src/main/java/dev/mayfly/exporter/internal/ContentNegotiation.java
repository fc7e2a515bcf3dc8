package dev.mayfly.exporter.internal;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusProtobufWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;

import java.util.Locale;

/**
 * Picks the exposition format from an {@code Accept} header the way Prometheus negotiates it: among the media
 * ranges we can serve, the one with the highest {@code q} wins (the first one listed on a tie); when none can be
 * served, or there is no header, the Prometheus text format 0.0.4 is the fallback.
 *
 * <ul>
 *   <li>{@code application/openmetrics-text} with no version, {@code 1.0.0} or {@code 0.0.1}: OpenMetrics 1.0, with
 *       {@code _created} samples for counters and histograms.</li>
 *   <li>{@code application/vnd.google.protobuf} with {@code proto=io.prometheus.client.MetricFamily} and
 *       {@code encoding=delimited} (or without them): the Prometheus protobuf format, the only one that carries native
 *       histograms (Prometheus asks for it first when its native histograms are enabled).</li>
 *   <li>{@code text/plain} with no version or {@code 0.0.4}, {@code text/*}, {@code *}{@code /*}: text 0.0.4, without
 *       {@code _created} and without timestamps.</li>
 * </ul>
 */
public final class ContentNegotiation {
    public static final ExpositionFormatWriter TEXT = PrometheusTextFormatWriter.builder()
            .setIncludeCreatedTimestamps(false).setTimestampsInMs(true).build();
    public static final ExpositionFormatWriter OPEN_METRICS = OpenMetricsTextFormatWriter.builder()
            .setCreatedTimestampsEnabled(true).setExemplarsOnAllMetricTypesEnabled(false).build();
    public static final ExpositionFormatWriter PROTOBUF = new PrometheusProtobufWriter();

    private ContentNegotiation() {
    }

    public static ExpositionFormatWriter writerFor(String accept) {
        if (accept == null || accept.isBlank()) {
            return TEXT;
        }
        ExpositionFormatWriter best = null;
        double bestQ = 0;
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            String mediaType = parts[0].trim().toLowerCase(Locale.ROOT);
            String version = null;
            boolean protobufParameters = true;
            double q = 1.0;
            for (int i = 1; i < parts.length; i++) {
                String[] kv = parts[i].split("=", 2);
                if (kv.length != 2) {
                    continue;
                }
                String key = kv[0].trim().toLowerCase(Locale.ROOT);
                String value = kv[1].trim();
                if (key.equals("q")) {
                    q = parseQ(value);
                } else if (key.equals("version")) {
                    version = value;
                } else if (key.equals("proto")) {
                    protobufParameters &= value.equals("io.prometheus.client.MetricFamily");
                } else if (key.equals("encoding")) {
                    protobufParameters &= value.equals("delimited");
                }
            }
            ExpositionFormatWriter candidate = mediaType.equals("application/vnd.google.protobuf")
                    ? (protobufParameters ? PROTOBUF : null)
                    : writerForRange(mediaType, version);
            if (candidate != null && q > bestQ) {
                best = candidate;
                bestQ = q;
            }
        }
        return best == null ? TEXT : best;
    }

    private static ExpositionFormatWriter writerForRange(String mediaType, String version) {
        switch (mediaType) {
            case "application/openmetrics-text":
                return version == null || version.equals("1.0.0") || version.equals("0.0.1") ? OPEN_METRICS : null;
            case "text/plain":
                return version == null || version.equals("0.0.4") ? TEXT : null;
            case "text/*":
            case "*/*":
                return TEXT;
            default:
                return null;
        }
    }

    private static double parseQ(String value) {
        try {
            double q = Double.parseDouble(value);
            return Double.isNaN(q) ? 0 : Math.max(0, Math.min(1, q));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
