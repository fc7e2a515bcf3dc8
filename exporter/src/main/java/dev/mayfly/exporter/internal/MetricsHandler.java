package dev.mayfly.exporter.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
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
 * the client accepts it. Only the exact path {@code /metrics} is served (404 otherwise); GET and HEAD only (405).
 * {@code ?name[]=...} restricts the families, see {@link NameParameterFilter}.
 */
public final class MetricsHandler implements HttpHandler {
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

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            if (!PATH.equals(exchange.getRequestURI().getPath())) {
                plain(exchange, 404, "not found: only " + PATH + " is served here\n");
                return;
            }
            String method = exchange.getRequestMethod();
            boolean head = method.equals("HEAD");
            if (!method.equals("GET") && !head) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                plain(exchange, 405, "method " + method + " not allowed: use GET\n");
                return;
            }
            if (!ready.getAsBoolean()) {
                plain(exchange, 503, "not ready: the exporter has not caught up with the aggregates topic yet\n");
                return;
            }
            serve(exchange, head);
        } catch (IOException | RuntimeException e) {
            LOG.warn("serving {} failed: {}", PATH, e.toString());
            if (exchange.getResponseCode() < 0) {
                plain(exchange, 500, "scrape failed: " + e + "\n");
            }
        }
    }

    private void serve(HttpExchange exchange, boolean head) throws IOException {
        long start = System.nanoTime();
        List<String> names = queryValues(exchange.getRequestURI().getRawQuery(), "name[]");
        Predicate<String> filter = NameParameterFilter.of(names);
        String accept = joined(exchange.getRequestHeaders().get("Accept"));
        ExpositionFormatWriter writer = ContentNegotiation.writerFor(accept);
        EscapingScheme escaping = EscapingScheme.fromAcceptHeader(accept);
        exchange.getResponseHeaders().set("Content-Type", writer.getContentType());
        exchange.getResponseHeaders().set("Vary", "Accept, Accept-Encoding");
        if (head) {
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        boolean gzip = acceptsGzip(joined(exchange.getRequestHeaders().get("Accept-Encoding")));
        if (gzip) {
            exchange.getResponseHeaders().set("Content-Encoding", "gzip");
        }
        exchange.sendResponseHeaders(200, 0);
        OutputStream body = exchange.getResponseBody();
        try (OutputStream out = gzip ? new GZIPOutputStream(body, 1 << 16) : new BufferedOutputStream(body, 1 << 16)) {
            scraper.write(out, writer, escaping, filter); // built and written chunk by chunk
        }
        metrics.scrapeDuration((System.nanoTime() - start) / 1e9);
    }

    private static void plain(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
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
