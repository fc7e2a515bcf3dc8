package dev.mayfly.launcher.internal;

import dev.mayfly.http.ConnectionCounts;
import dev.mayfly.http.HttpServer;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;

/**
 * The HTTP port's connection metrics, in the default registry (served on every process's {@code /metrics}), read
 * from the process's server at each scrape: {@code mayfly_http_open_connections},
 * {@code mayfly_http_refused_connections_total{reason="limit"|"client_share"}} (answered 503 at
 * {@code http.max.connections} or at the client address's {@code http.max.connections.per.client}) and
 * {@code mayfly_http_evicted_connections_total} (idle connections closed to make room). One server per process:
 * the latest one served.
 */
public final class HttpConnectionMetrics {
    private static volatile HttpServer server;

    static {
        CounterWithCallback.builder()
                .name("mayfly_http_refused_connections_total")
                .help("Connections answered 503 and closed: reason limit (http.max.connections open, none idle long enough "
                        + "to give up its place) or client_share (the client address held http.max.connections.per.client)")
                .labelNames("reason")
                .callback(callback -> {
                    ConnectionCounts c = counts();
                    callback.call(c.refusedAtLimit(), "limit");
                    callback.call(c.refusedAtClientShare(), "client_share");
                })
                .register();
        CounterWithCallback.builder()
                .name("mayfly_http_evicted_connections_total")
                .help("Idle kept-alive connections closed to make room for a new connection")
                .callback(callback -> callback.call(counts().evicted()))
                .register();
        GaugeWithCallback.builder()
                .name("mayfly_http_open_connections")
                .help("Connections open on the HTTP port")
                .callback(callback -> callback.call(counts().open()))
                .register();
    }

    private HttpConnectionMetrics() {
    }

    /** Serves {@code http}'s counts from now on. */
    public static void serve(HttpServer http) {
        server = http;
    }

    private static ConnectionCounts counts() {
        HttpServer s = server;
        return s == null ? new ConnectionCounts(0, 0, 0, 0) : s.connectionCounts();
    }
}
