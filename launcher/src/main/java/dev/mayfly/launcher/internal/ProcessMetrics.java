package dev.mayfly.launcher.internal;

import dev.mayfly.http.HttpRequest;
import dev.mayfly.http.HttpResponse;
import dev.mayfly.http.RequestHandler;
import dev.mayfly.http.Route;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * {@code GET /metrics} of a process that runs no exporter (a gateway or a streams app alone): the process's own
 * metrics ({@code mayfly_gateway_*}, JVM), so that every Mayfly process can be scraped. Exactly that path (404
 * otherwise; longer routes such as the gateway's {@code /metrics/job/} still win), GET and HEAD only.
 */
public final class ProcessMetrics {
    static final String PATH = "/metrics";

    private ProcessMetrics() {
    }

    /** The route, registering the JVM metrics in the default registry (once). */
    public static Route route() {
        PrometheusRegistry registry = PrometheusRegistry.defaultRegistry;
        JvmMetrics.builder().register(registry); // registers once per registry
        PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
        return Route.of(PATH, RequestHandler.getOnly(PATH, (HttpRequest request, HttpResponse response) -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                writer.write(out, registry.scrape(), EscapingScheme.ALLOW_UTF8);
            } catch (IOException e) {
                response.sendText(500, "scrape failed: " + e);
                return;
            }
            response.send(200, writer.getContentType(), request.isHead() ? new byte[0] : out.toByteArray());
        }));
    }
}
