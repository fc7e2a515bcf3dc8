package dev.mayfly.exporter.internal;

import dev.mayfly.http.HttpRequest;
import dev.mayfly.http.HttpResponse;
import dev.mayfly.http.RequestHandler;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.zip.GZIPOutputStream;

/**
 * {@code GET /metrics}: 503 until the store has caught up, then the scrape in the negotiated format, gzip when
 * the client accepts it. Mounted through {@link #forPath()}: only the exact path {@code /metrics}, GET and HEAD.
 * {@code ?name[]=...} restricts the families, see {@link NameParameterFilter}.
 */
public final class MetricsHandler implements RequestHandler {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsHandler.class);
    public static final String PATH = "/metrics";

    private final Scraper scraper;
    private final BooleanSupplier ready;
    private final ExporterMetrics metrics;

    public MetricsHandler(Scraper scraper, BooleanSupplier ready, ExporterMetrics metrics) {
        this.scraper = scraper;
        this.ready = ready;
        this.metrics = metrics;
    }

    /** This handler for exactly {@link #PATH}, GET and HEAD only. */
    public RequestHandler forPath() {
        return RequestHandler.getOnly(PATH, this);
    }

    @Override
    public void handle(HttpRequest request, HttpResponse response) {
        if (!ready.getAsBoolean()) {
            response.sendText(503, "not ready: the exporter has not caught up with the aggregates topic yet");
            return;
        }
        try {
            serve(request, response);
        } catch (IOException e) {
            // the scraper went away, timed out, or the server is stopping: nothing is wrong here
            LOG.info("a scrape of {} was cut off: {}", PATH, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("serving {} failed: {}", PATH, e.toString());
            if (!response.isStarted()) {
                response.sendText(500, "scrape failed: " + e);
            }
        }
    }

    private void serve(HttpRequest request, HttpResponse response) throws IOException {
        long start = System.nanoTime();
        List<String> names = queryValues(request.rawQuery(), "name[]");
        Predicate<String> filter = NameParameterFilter.of(names);
        String accept = joined(request.headers("Accept"));
        ExpositionFormatWriter writer = ContentNegotiation.writerFor(accept);
        EscapingScheme escaping = EscapingScheme.fromAcceptHeader(accept);
        response.header("Vary", "Accept, Accept-Encoding");
        if (request.isHead()) {
            response.send(200, writer.getContentType(), new byte[0]);
            return;
        }
        boolean gzip = acceptsGzip(joined(request.headers("Accept-Encoding")));
        if (gzip) {
            response.header("Content-Encoding", "gzip");
        }
        OutputStream body = response.stream(200, writer.getContentType());
        OutputStream out = gzip ? new GZIPOutputStream(body, 1 << 16) : new BufferedOutputStream(body, 1 << 16);
        try {
            scraper.write(out, writer, escaping, filter); // built and written chunk by chunk
        } catch (IOException | RuntimeException e) {
            response.abort(); // before anything could end the body: a cut-off scrape must not look whole
            throw e;
        }
        out.close();
        metrics.scrapeDuration((System.nanoTime() - start) / 1e9);
    }

    static List<String> queryValues(String rawQuery, String name) {
        List<String> values = new ArrayList<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return values;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals(name) && eq >= 0) {
                String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                if (!value.isEmpty()) {
                    values.add(value);
                }
            }
        }
        return values;
    }

    private static String joined(List<String> headerValues) {
        return headerValues == null || headerValues.isEmpty() ? null : String.join(",", headerValues);
    }

    private static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String coding : acceptEncoding.split(",")) {
            String[] parts = coding.split(";");
            if (parts[0].trim().toLowerCase(Locale.ROOT).equals("gzip")) {
                for (int i = 1; i < parts.length; i++) {
                    String p = parts[i].trim().replace(" ", "");
                    if (p.equals("q=0") || p.startsWith("q=0.0") && p.replace("0", "").replace(".", "").equals("q=")) {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }
}
