package dev.mayfly.exporter.internal;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Writes an exposition family by family, and a family chunk by chunk, with the Prometheus client's writer, so
 * that only one chunk's snapshot exists at a time. Each call of the client writer renders one snapshot; what it
 * writes once per exposition (the trailer, {@code # EOF} in OpenMetrics) is cut from each call and written once by
 * {@link #finish}, and the metadata lines ({@code # HELP}, {@code # TYPE}, {@code # UNIT}) that a continuation
 * chunk of a family repeats are cut too. The result is byte for byte what the writer renders for all families at
 * once, given families in name order, each family's chunks in data point order, and a writer that renders each
 * family in one piece (both {@link ContentNegotiation} writers do; a text writer with {@code _created} samples
 * would not, as it writes those after all families).
 */
final class ChunkedExposition {
    private final ExpositionFormatWriter writer;
    private final EscapingScheme escaping;
    private final OutputStream out;
    private final Buffer buffer = new Buffer();
    private final byte[] trailer;

    ChunkedExposition(ExpositionFormatWriter writer, EscapingScheme escaping, OutputStream out) throws IOException {
        this.writer = writer;
        this.escaping = escaping;
        this.out = out;
        writer.write(buffer, MetricSnapshots.of(), escaping);
        trailer = buffer.toByteArray();
    }

    /** Whether {@code writer} renders each family in one piece, so that its exposition can be written in chunks. */
    static boolean supports(ExpositionFormatWriter writer) {
        return writer == ContentNegotiation.TEXT || writer == ContentNegotiation.OPEN_METRICS;
    }

    /** Writes a family, or the first chunk of one ({@code continuation} false) or a further chunk (true). */
    void write(MetricSnapshot snapshot, boolean continuation) {
        try {
            buffer.reset();
            writer.write(buffer, MetricSnapshots.of(snapshot), escaping);
            byte[] b = buffer.bytes();
            int end = buffer.size();
            if (end >= trailer.length && java.util.Arrays.equals(b, end - trailer.length, end, trailer, 0, trailer.length)) {
                end -= trailer.length;
            }
            int start = 0;
            if (continuation) {
                while (start < end && b[start] == '#') {
                    while (start < end && b[start] != '\n') {
                        start++;
                    }
                    start++;
                }
            }
            if (start < end) {
                out.write(b, start, end - start);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void finish() throws IOException {
        out.write(trailer);
        out.flush();
    }

    private static final class Buffer extends ByteArrayOutputStream {
        Buffer() {
            super(1 << 20);
        }

        byte[] bytes() {
            return buf;
        }
    }
}
