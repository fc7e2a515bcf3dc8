package dev.mayfly.gateway.internal;

import dev.mayfly.http.HttpRequest;
import dev.mayfly.http.HttpResponse;
import dev.mayfly.http.RequestHandler;
import dev.mayfly.gateway.Authenticator;
import dev.mayfly.schemas.SeriesKey;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Pushgateway API: PUT and POST {@code /metrics/job/<job>{/<label>/<value>}} record the pushed samples (text
 * 0.0.4 or delimited protobuf) as one RECORD batch; DELETE on the same URL writes one DELETE_GROUP batch. Answers
 * 200 (push) or 202 (delete) only after Kafka acknowledged; see gateway/README.md for where this differs from the
 * Pushgateway. Thread-safe.
 */
public final class PushgatewayHandler implements RequestHandler {
    public static final String API = "pushgateway";
    private static final String PROTOBUF = "application/vnd.google.protobuf";

    private final PushPipeline pipeline;
    private final Temporality defaultTemporality;

    public PushgatewayHandler(PushPipeline pipeline, Temporality defaultTemporality) {
        this.pipeline = pipeline;
        this.defaultTemporality = defaultTemporality;
    }

    /** 200 (202 for a DELETE) with no body; a refusal as one line of text. */
    static final PushPipeline.Replier REPLIER = new PushPipeline.Replier() {
        @Override
        public void success(HttpRequest request, HttpResponse response, LeftOut leftOut) throws IOException {
            int status = request.method().equals("DELETE") ? 202 : 200;
            response.send(status, null, new byte[0]);
        }

        @Override
        public void failure(HttpRequest request, HttpResponse response, PushRejected rejected) throws IOException {
            response.sendText(rejected.status(), rejected.getMessage());
        }
    };

    @Override
    public void handle(HttpRequest request, HttpResponse response) {
        pipeline.handle(request, response, API, REPLIER, this::read);
    }

    private MetricEventBatch read(HttpRequest request, HttpResponse response, PushPipeline.Room room) throws IOException {
        String method = request.method();
        boolean delete = method.equals("DELETE");
        if (!delete && !method.equals("PUT") && !method.equals("POST")) {
            response.header("Allow", "PUT, POST, DELETE");
            throw new PushRejected(405, PushRejected.METHOD_NOT_ALLOWED, "method " + method + " not allowed; use PUT, POST or DELETE");
        }
        Authenticator.Identity identity = pipeline.authenticate(request, response);
        GroupingKey key = GroupingKey.parse(request.rawPath());
        PushPipeline.authorize(identity, key.job());
        Temporality temporality = temporality(request, response, key);
        Map<String, String> grouping = key.labels();
        String eventId = PushPipeline.eventId(request, () -> "pushgateway " + method + " " + SeriesKey.of(key.job(), new TreeMap<>(grouping)));
        String instance = null;
        String streamId = null;
        if (temporality == Temporality.CUMULATIVE) {
            streamId = SeriesKey.of(key.job(), new TreeMap<>(grouping));
            instance = grouping.remove("instance"); // identifies the stream; not a label (series aggregate across instances)
        }
        List<MetricPoint> points = List.of();
        boolean protobuf = !delete && isProtobuf(request.header("Content-Type"));
        room.take(request, response);
        if (!delete) {
            RequestBody body = pipeline.readBody(request);
            PrometheusFamilies families = protobuf
                    ? ProtobufFormatParser.parse(body.bytes(), body.length())
                    : TextFormatParser.parse(body.bytes(), body.length());
            PointsBuilder builder = new PointsBuilder(new PushOptions(temporality, streamId, key.aggregation(), pipeline.maxSeries()));
            families.addTo(builder);
            points = builder.points();
        }
        return new MetricEventBatch(eventId, new Source(key.job(), null, null, instance),
                Instant.ofEpochMilli(System.currentTimeMillis()), delete ? Operation.DELETE_GROUP : Operation.RECORD, grouping, points);
    }

    private Temporality temporality(HttpRequest request, HttpResponse response, GroupingKey key) {
        String header = request.header(PushOptions.TEMPORALITY_HEADER);
        Temporality fromHeader = header == null ? null : PushOptions.parseTemporality(header.trim(), "header " + PushOptions.TEMPORALITY_HEADER);
        if (fromHeader != null && key.temporality() != null && fromHeader != key.temporality()) {
            throw PushRejected.badRequest(PushRejected.INVALID_GROUPING_KEY, "header " + PushOptions.TEMPORALITY_HEADER
                    + " and label " + PushOptions.TEMPORALITY_LABEL + " disagree");
        }
        return key.temporality() != null ? key.temporality() : fromHeader != null ? fromHeader : defaultTemporality;
    }

    /** Which format the body is in: true for delimited protobuf, false for text; 415 for anything else. */
    static boolean isProtobuf(String contentType) {
        if (isPlainText(contentType)) {
            return false; // what text clients send, decided without copying the header
        }
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        int semicolon = type.indexOf(';');
        String mediaType = (semicolon < 0 ? type : type.substring(0, semicolon)).trim();
        switch (mediaType) {
            case "", "text/plain", "application/x-www-form-urlencoded", "*/*" -> {
                return false; // curl --data-binary sends x-www-form-urlencoded; the Pushgateway reads it as text too
            }
            case PROTOBUF -> {
                String params = type.replace(" ", "");
                if (!params.contains("proto=io.prometheus.client.metricfamily") || !params.contains("encoding=delimited")) {
                    throw new PushRejected(415, PushRejected.UNSUPPORTED_MEDIA_TYPE, "unsupported Content-Type '" + contentType
                            + "'; protobuf pushes must be " + PROTOBUF + "; proto=io.prometheus.client.MetricFamily; encoding=delimited");
                }
                return true;
            }
            default -> throw new PushRejected(415, PushRejected.UNSUPPORTED_MEDIA_TYPE, "unsupported Content-Type '" + contentType
                    + "'; push text/plain; version=0.0.4 or " + PROTOBUF + "; proto=io.prometheus.client.MetricFamily; encoding=delimited");
        }
    }

    /**
     * Whether the media type is {@code text/plain} in ASCII letters of any case, followed by nothing or by ';' (a
     * sure "false" of {@link #isProtobuf}; anything else takes the general way there).
     */
    private static boolean isPlainText(String contentType) {
        String text = "text/plain";
        if (contentType == null || contentType.length() < text.length()
                || (contentType.length() > text.length() && contentType.charAt(text.length()) != ';')) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = contentType.charAt(i);
            if (c != text.charAt(i) && !(c >= 'A' && c <= 'Z' && c + ('a' - 'A') == text.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
