package dev.mayfly.gateway;

import dev.mayfly.http.RequestHandler;
import dev.mayfly.http.Route;
import dev.mayfly.gateway.internal.BatchSink;
import dev.mayfly.gateway.internal.EventsHandler;
import dev.mayfly.gateway.internal.GatewayMetrics;
import dev.mayfly.gateway.internal.KafkaBatchSink;
import dev.mayfly.gateway.internal.OtlpHandler;
import dev.mayfly.gateway.internal.PushCoalescer;
import dev.mayfly.gateway.internal.PushPipeline;
import dev.mayfly.gateway.internal.PushRejected;
import dev.mayfly.gateway.internal.PushgatewayHandler;
import dev.mayfly.schemas.EventsApi;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.schemas.config.CommonSettings;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The push gateway: the Pushgateway API ({@code /metrics/job/...}), OTLP/HTTP ({@code /v1/metrics}) and the events
 * API ({@code /v1/events}, the producer library's HTTP transport) on the
 * launcher's HTTP server, each push written as one batch to the events topic and answered after Kafka acknowledged it.
 * The launcher owns the server (and its executor, TLS, {@code /-/ready}, {@code /metrics}).
 */
public final class Gateway implements AutoCloseable {
    private final BatchSink sink;
    private final ExecutorService rounds;
    private final PushPipeline pipeline;
    private final PushgatewayHandler pushgateway;
    private final OtlpHandler otlp;
    private final EventsHandler events;
    private final Authenticator authenticator;
    private final int maxBodyBytes;

    private Gateway(BatchSink sink, GatewayConfig config, ServedTypes servedTypes) {
        this.sink = sink;
        this.authenticator = config.pushAuthenticator();
        this.maxBodyBytes = config.maxBodyBytes();
        // the coalescer's next rounds start on their own thread, never on Kafka's
        this.rounds = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "mayfly-gateway-coalescer");
            t.setDaemon(true);
            return t;
        });
        PushCoalescer coalescer = new PushCoalescer(sink, rounds, PushCoalescer.MAX_POINTS, config.coalesce());
        this.pipeline = new PushPipeline(coalescer, authenticator, config.maxInFlightBytes(),
                config.maxBodyBytes(), config.maxSeries(), config.ackTimeout(), config.validator(), servedTypes);
        this.pushgateway = new PushgatewayHandler(pipeline, config.defaultTemporality());
        this.otlp = new OtlpHandler(pipeline, config.otlpPromotedResourceAttributes());
        this.events = new EventsHandler(pipeline);
    }

    /** A gateway writing to the events topic of {@code config}'s Kafka, leaving conflicts across pushes to the engine and exporter. */
    public static Gateway create(GatewayConfig config) {
        return create(config, ServedTypes.NONE);
    }

    /**
     * A gateway writing to the events topic of {@code config}'s Kafka that refuses a push giving a metric name another
     * type than {@code servedTypes} says it is served as (a gateway in the exporter's process).
     */
    public static Gateway create(GatewayConfig config, ServedTypes servedTypes) {
        var settings = config.settings();
        String topic = settings.get(CommonSettings.EVENTS_TOPIC);
        var codec = MayflyCodecs.events(CommonSettings.registry(settings), topic);
        BatchSink sink = new KafkaBatchSink(settings.get(CommonSettings.BOOTSTRAP_SERVERS),
                settings.withPrefix(CommonSettings.KAFKA_PREFIX), topic, codec, config.ackTimeout(), config.idleTicks());
        return new Gateway(sink, config, servedTypes);
    }

    /** For tests: a gateway writing to any sink. */
    static Gateway create(GatewayConfig config, BatchSink sink) {
        return new Gateway(sink, config, ServedTypes.NONE);
    }

    /** True when the events topic is reachable and the last write did not fail. */
    public boolean isReady() {
        return sink.isReady();
    }

    /**
     * The routes {@code /metrics/job/} and {@code /metrics/job@base64/} (the Pushgateway API; the second is the
     * job@base64 form, which is not under the first), {@code /v1/metrics} (OTLP) and {@code /v1/events} (event batches
     * of the producer library's HTTP transport), taking bodies up to {@code push.max.body.bytes}.
     */
    public List<Route> routes() {
        return List.of(
                pushRoute("/metrics/job/", pushgateway, PushgatewayHandler.API),
                pushRoute("/metrics/job@base64/", pushgateway, PushgatewayHandler.API),
                pushRoute("/v1/metrics", otlp, OtlpHandler.API),
                pushRoute(EventsApi.PATH, events, EventsHandler.API));
    }

    /**
     * A push route: bodies up to the limit, most pushes handled on the event loop ({@link PushPipeline#mayHandleInline});
     * what the server refuses itself is counted like the gateway's refusals.
     */
    private Route pushRoute(String prefix, RequestHandler handler, String api) {
        return Route.of(prefix, handler).withMaxBodyBytes(maxBodyBytes).inlineWhen(pipeline::mayHandleInline)
                .onRefused(status -> {
                    String reason = PushRejected.refusedByServer(status);
                    GatewayMetrics.REJECTED.labelValues(api, reason).inc();
                    if (status != Route.CLIENT_CLOSED) { // a client that went away was told nothing
                        RefusedPushes.add(api, prefix + "...", reason, status, "refused by the HTTP server before the gateway read it");
                    }
                });
    }

    @Override
    public void close() {
        sink.close();
        rounds.shutdown();
    }
}
