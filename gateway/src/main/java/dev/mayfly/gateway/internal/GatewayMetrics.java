package dev.mayfly.gateway.internal;

import io.prometheus.metrics.core.metrics.Counter;

/** The gateway's self-metrics, registered once in {@code PrometheusRegistry.defaultRegistry}. */
public final class GatewayMetrics {
    /** Pushes acknowledged by Kafka, by API ({@code pushgateway}, {@code otlp}, {@code events}) and operation ({@code record}, {@code delete}). */
    public static final Counter PUSHES = Counter.builder()
            .name("mayfly_gateway_pushes_total")
            .help("Pushes written to the events topic and acknowledged")
            .labelNames("api", "operation")
            .register();
    /** Points in acknowledged pushes, by API. */
    public static final Counter POINTS = Counter.builder()
            .name("mayfly_gateway_points_total")
            .help("Points (series) in acknowledged pushes")
            .labelNames("api")
            .register();
    /** Pushes refused, by API and reason (see {@link PushRejected}); a refused push wrote nothing. */
    public static final Counter REJECTED = Counter.builder()
            .name("mayfly_gateway_rejected_pushes_total")
            .help("Pushes refused as a whole, by reason")
            .labelNames("api", "reason")
            .register();

    public static final Counter LEFT_OUT_POINTS = Counter.builder()
            .name("mayfly_gateway_left_out_points_total")
            .help("Data points left out of pushes accepted in part (OTLP partial success), by reason")
            .labelNames("api", "reason")
            .register();

    /**
     * Failed authentications, by scope ({@code push}, {@code scrape}) and reason: {@code wrong_credentials} (a check
     * was made and failed) or {@code throttled} (refused unchecked: the client failed too often, 429).
     */
    public static final Counter AUTH_FAILURES = Counter.builder()
            .name("mayfly_gateway_auth_failures_total")
            .help("Requests whose credentials were wrong, or that were refused unchecked because their client address failed too often")
            .labelNames("scope", "reason")
            .register();

    static {
        // every known label combination from the start, at 0: a series that existed before a restart exists right
        // after it too (Prometheus sees the process counter reset, not a series that vanished)
        for (String api : java.util.List.of(PushgatewayHandler.API, OtlpHandler.API, EventsHandler.API)) {
            PUSHES.initLabelValues(api, "record");
            PUSHES.initLabelValues(api, "delete");
            POINTS.initLabelValues(api);
            PushRejected.REASONS.forEach(reason -> REJECTED.initLabelValues(api, reason));
        }
        // the gateway's own reasons a metric is left out for (the validator's appear when first used)
        for (String reason : java.util.List.of(PushRejected.MALFORMED, PushRejected.TYPE_CONFLICT, PushRejected.DUPLICATE_SERIES,
                PushRejected.SUMMARY, PushRejected.RESERVED_NAME)) {
            LEFT_OUT_POINTS.initLabelValues(OtlpHandler.API, reason);
        }
        for (String scope : java.util.List.of("push", "scrape")) {
            AUTH_FAILURES.initLabelValues(scope, "wrong_credentials");
            AUTH_FAILURES.initLabelValues(scope, "throttled");
        }
    }

    private GatewayMetrics() {
    }
}
