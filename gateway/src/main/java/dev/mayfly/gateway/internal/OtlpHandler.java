package dev.mayfly.gateway.internal;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.mayfly.http.HttpRequest;
import dev.mayfly.http.HttpResponse;
import dev.mayfly.http.RequestHandler;
import dev.mayfly.gateway.Authenticator;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * OTLP/HTTP metrics: POST {@code /v1/metrics} with an {@code ExportMetricsServiceRequest} as protobuf
 * ({@code application/x-protobuf}) or JSON ({@code application/json}), optionally gzip-compressed. The request becomes
 * one RECORD batch (see {@link OtlpTranslator}); the answer, after Kafka acknowledged, is an
 * {@code ExportMetricsServiceResponse} in the request's encoding. A metric that breaks a rule is left out and the rest
 * written: the answer is then 200 with {@code partial_success} (the data points left out, and why), as OTLP asks.
 * A request nothing can be taken of, or that is invalid as a whole, gets an error with a {@code google.rpc.Status}.
 * Thread-safe.
 */
public final class OtlpHandler implements RequestHandler {
    public static final String API = "otlp";
    private static final JsonFormat.Parser JSON = JsonFormat.parser().ignoringUnknownFields();
    private static final JsonFormat.Printer JSON_PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final byte[] EMPTY_JSON = "{}".getBytes(StandardCharsets.UTF_8);

    private final PushPipeline pipeline;
    private final List<String> promotedResourceAttributes;

    public OtlpHandler(PushPipeline pipeline, List<String> promotedResourceAttributes) {
        this.pipeline = pipeline;
        this.promotedResourceAttributes = promotedResourceAttributes;
    }

    private static final PushPipeline.Replier REPLIER = new PushPipeline.Replier() {
        @Override
        public void success(HttpRequest request, HttpResponse response, LeftOut leftOut) throws IOException {
            boolean json = isJson(request, response);
            if (leftOut == null || leftOut.isEmpty()) {
                response.send(200, json ? "application/json" : "application/x-protobuf", json ? EMPTY_JSON.clone() : new byte[0]);
                return;
            }
            ExportMetricsServiceResponse answer = ExportMetricsServiceResponse.newBuilder().setPartialSuccess(ExportMetricsPartialSuccess
                    .newBuilder().setRejectedDataPoints(leftOut.points()).setErrorMessage(leftOut.message())).build();
            if (json) {
                response.send(200, "application/json", JSON_PRINTER.print(answer).getBytes(StandardCharsets.UTF_8));
            } else {
                response.send(200, "application/x-protobuf", answer.toByteArray());
            }
        }

        @Override
        public void failure(HttpRequest request, HttpResponse response, PushRejected rejected) throws IOException {
            int code = switch (rejected.status()) {
                case 401 -> 16; // UNAUTHENTICATED
                case 403 -> 7; // PERMISSION_DENIED
                case 413, 429 -> 8; // RESOURCE_EXHAUSTED
                case 503 -> 14; // UNAVAILABLE
                default -> 3; // INVALID_ARGUMENT
            };
            if (isJson(request, response)) {
                String json = "{\"code\":" + code + ",\"message\":" + jsonString(rejected.getMessage()) + "}";
                response.send(rejected.status(), "application/json", json.getBytes(StandardCharsets.UTF_8));
            } else {
                response.send(rejected.status(), "application/x-protobuf", status(code, rejected.getMessage()));
            }
        }
    };

    @Override
    public void handle(HttpRequest request, HttpResponse response) {
        pipeline.handleInParts(request, response, API, REPLIER, this::read);
    }

    private MetricEventBatch read(HttpRequest request, HttpResponse response, PushPipeline.Room room) throws IOException {
        if (!request.path().equals("/v1/metrics")) {
            throw new PushRejected(404, PushRejected.MALFORMED, "not found: OTLP metrics are posted to /v1/metrics");
        }
        if (!request.method().equals("POST")) {
            response.header("Allow", "POST");
            throw new PushRejected(405, PushRejected.METHOD_NOT_ALLOWED, "method " + request.method() + " not allowed; use POST");
        }
        boolean json = isJson(request, response);
        if (!json && !isProtobuf(request, response)) {
            throw new PushRejected(415, PushRejected.UNSUPPORTED_MEDIA_TYPE, "unsupported Content-Type '"
                    + request.header("Content-Type") + "'; use application/x-protobuf or application/json");
        }
        Authenticator.Identity identity = pipeline.authenticate(request, response);
        room.take(request, response);
        RequestBody body = pipeline.readBody(request);
        ExportMetricsServiceRequest export = decode(body, json);
        PointsBuilder points = PointsBuilder.notingDuplicates(new PushOptions(Temporality.DELTA, null, null, pipeline.maxSeries()));
        OtlpTranslator translator = new OtlpTranslator(promotedResourceAttributes, points, room.leftOut());
        translator.translate(export);
        if (points.hasDuplicates()) {
            room.leftOut().noteDuplicates();
        }
        if (points.points().isEmpty() && room.leftOut().isEmpty()) {
            return null; // an export of no data point (`{}`, say): nothing to write, and no last push of a made-up job
        }
        OtlpTranslator.Source s = translator.source();
        PushPipeline.authorize(identity, s.job());
        String eventId = PushPipeline.eventId(request, () -> "otlp " + s.job());
        return new MetricEventBatch(eventId, new Source(s.job(), s.function(), s.region(), s.instance()),
                Instant.ofEpochMilli(System.currentTimeMillis()), Operation.RECORD, Map.of(), points.points());
    }

    private static ExportMetricsServiceRequest decode(RequestBody body, boolean json) throws IOException {
        try {
            if (json) {
                ExportMetricsServiceRequest.Builder b = ExportMetricsServiceRequest.newBuilder();
                JSON.merge(new InputStreamReader(new ByteArrayInputStream(body.bytes(), 0, body.length()), StandardCharsets.UTF_8), b);
                return b.build();
            }
            return ExportMetricsServiceRequest.parseFrom(com.google.protobuf.ByteString.copyFrom(body.bytes(), 0, body.length()));
        } catch (InvalidProtocolBufferException e) {
            throw PushRejected.malformed("invalid OTLP " + (json ? "JSON" : "protobuf") + ": " + e.getMessage());
        }
    }

    private static String mediaType(HttpRequest request, HttpResponse response) {
        String ct = request.header("Content-Type");
        if (ct == null) {
            return "";
        }
        int semicolon = ct.indexOf(';');
        return (semicolon < 0 ? ct : ct.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    static boolean isJson(HttpRequest request, HttpResponse response) {
        return mediaType(request, response).equals("application/json");
    }

    private static boolean isProtobuf(HttpRequest request, HttpResponse response) {
        return mediaType(request, response).equals("application/x-protobuf");
    }

    /** A {@code google.rpc.Status} with a code and a message (no details). */
    static byte[] status(int code, String message) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeInt32(1, code);
        out.writeString(2, message);
        out.flush();
        return bytes.toByteArray();
    }

    static String jsonString(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
