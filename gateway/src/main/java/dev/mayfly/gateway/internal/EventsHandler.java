package dev.mayfly.gateway.internal;

import dev.mayfly.gateway.Authenticator;
import dev.mayfly.http.HttpRequest;
import dev.mayfly.http.HttpResponse;
import dev.mayfly.http.RequestHandler;
import dev.mayfly.schemas.EventsApi;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.DecodeException;
import dev.mayfly.schemas.codec.FastEventsDecoder;
import dev.mayfly.schemas.codec.MayflyCodecs;

import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.TreeMap;

/**
 * The events API, for the producer library's HTTP transport: POST {@code /v1/events} with ONE {@code MetricEventBatch}
 * in Avro single-object encoding ({@value EventsApi#MEDIA_TYPE}: the events topic's registry-free framing, any released
 * schema version) and an {@code Idempotency-Key}, which is required: the batch's event id is that key scoped to this
 * API and the batch's job, as in the other APIs ({@link PushPipeline#eventId}), so a retried flush counts once and
 * another tenant's key suppresses nothing. The batch's own event id and emit time are replaced (the emit time is the
 * gateway's clock, as for every push); its source, grouping labels and points are kept and checked by the same rules
 * as any push. Only RECORD batches: a group is deleted through the Pushgateway API. Answers 200 with an empty body
 * after Kafka acknowledged; a refusal is a 4xx or 5xx with a one-line text message, as in the Pushgateway API.
 * Batches of this API are never merged with others (each carries its client's key). Thread-safe.
 */
public final class EventsHandler implements RequestHandler {
    public static final String API = "events";

    private final PushPipeline pipeline;
    private final AvroCodec<MetricEventBatch> codec = MayflyCodecs.eventsSingleObject();
    /** The fast path for batches of the current schema (what the producer library writes); one per event loop. */
    private final ThreadLocal<FastEventsDecoder> fastDecoder = ThreadLocal.withInitial(FastEventsDecoder::new);

    public EventsHandler(PushPipeline pipeline) {
        this.pipeline = pipeline;
    }

    @Override
    public void handle(HttpRequest request, HttpResponse response) {
        pipeline.handle(request, response, API, PushgatewayHandler.REPLIER, this::read); // answers as the Pushgateway API does
    }

    private MetricEventBatch read(HttpRequest request, HttpResponse response, PushPipeline.Room room) throws IOException {
        if (!request.path().equals(EventsApi.PATH)) {
            throw new PushRejected(404, PushRejected.MALFORMED, "not found: event batches are posted to " + EventsApi.PATH);
        }
        if (!request.method().equals("POST")) {
            response.header("Allow", "POST");
            throw new PushRejected(405, PushRejected.METHOD_NOT_ALLOWED, "method " + request.method() + " not allowed; use POST");
        }
        if (!EventsApi.MEDIA_TYPE.equals(mediaType(request.header("Content-Type")))) {
            throw new PushRejected(415, PushRejected.UNSUPPORTED_MEDIA_TYPE, "unsupported Content-Type '"
                    + request.header("Content-Type") + "'; use " + EventsApi.MEDIA_TYPE + " (a MetricEventBatch in Avro single-object encoding)");
        }
        if (request.header("Idempotency-Key") == null) {
            throw PushRejected.badRequest(PushRejected.INVALID_HEADER, "an event batch needs an Idempotency-Key (its event id): without one a retry would count twice");
        }
        Authenticator.Identity identity = pipeline.authenticate(request, response);
        room.take(request, response);
        RequestBody body = pipeline.readBody(request);
        byte[] bytes = Arrays.copyOf(body.bytes(), body.length());
        MetricEventBatch batch = decode(bytes);
        if (batch.getOperation() != Operation.RECORD) {
            throw PushRejected.badRequest(PushRejected.MALFORMED, "operation " + batch.getOperation()
                    + " not accepted here: this API records; delete a group with DELETE /metrics/job/...");
        }
        if (batch.getPoints().size() > pipeline.maxSeries()) {
            throw new PushRejected(413, PushRejected.TOO_MANY_SERIES, "push has more than " + pipeline.maxSeries() + " series");
        }
        String job = batch.getSource().getJob(); // an empty job is the validator's to refuse, after this
        if (job != null && !job.isEmpty()) {
            PushPipeline.authorize(identity, job);
        }
        PointsBuilder.refuseDuplicateSeries(batch);
        batch.setEventId(PushPipeline.eventId(request, () -> API + " " + job + " " + new TreeMap<>(batch.getGroupingLabels())));
        batch.setEmitTime(Instant.ofEpochMilli(System.currentTimeMillis()));
        return batch;
    }

    private MetricEventBatch decode(byte[] bytes) {
        MetricEventBatch batch = fastDecoder.get().tryDecode(bytes);
        if (batch != null) {
            return batch;
        }
        try {
            return codec.decode(bytes); // another schema version, or bytes the fast path does not take: the codec says why
        } catch (DecodeException e) {
            throw PushRejected.malformed("not a MetricEventBatch in Avro single-object encoding: " + e.getMessage());
        }
    }

    private static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }
}
