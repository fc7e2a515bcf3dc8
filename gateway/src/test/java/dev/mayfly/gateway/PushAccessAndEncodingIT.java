package dev.mayfly.gateway;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.google.protobuf.util.JsonFormat;
import dev.mayfly.gateway.internal.GatewayMetrics;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static dev.mayfly.gateway.Points.counter;
import static dev.mayfly.gateway.Points.gauge;
import static dev.mayfly.gateway.Points.histogram;
import static dev.mayfly.gateway.Points.labels;
import static dev.mayfly.gateway.Points.withUnit;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pushes that succeed with credentials (basic auth against a bcrypt file, bearer tokens limited to a job or stored as
 * SHA-256), OTLP/HTTP as JSON, and gzip-compressed bodies, against a real broker: the status and the exact batch on
 * the events topic; and the gzip bodies that must be refused (too large once inflated, not gzip) write nothing.
 * The refusals already in {@link BadInputIT} (no or wrong credentials, a token pushing another job) are not repeated.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PushAccessAndEncodingIT {
    static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final int MAX_BODY = 4096;
    static final String TOKEN = "ops-token";
    static final String CHECKOUT_ONLY_TOKEN = "checkout-only-token";
    static final String HASHED_TOKEN = "token-kept-as-sha256";

    GatewayHarness h;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "# push tokens\n" + TOKEN + "\n" + CHECKOUT_ONLY_TOKEN + " checkout\n"
                + "sha256:" + sha256Hex(HASHED_TOKEN) + "\n");
        Path users = dir.resolve("htpasswd");
        // $2y$ hashes, as `htpasswd -nbB user password` writes them
        Files.writeString(users, "# push users\n"
                + "fn:" + bcrypt2y("s3cret") + "\n"
                + "checkout-fn:" + bcrypt2y("only-checkout") + ":checkout\n");
        h = new GatewayHarness(dir.resolve("kafka"), Map.of(
                "push.max.body.bytes", Integer.toString(MAX_BODY),
                "push.auth.token.file", tokens.toString(),
                "push.auth.basic.file", users.toString(),
                "otlp.promote.resource.attributes", "deployment.environment"));
        h.defaultHeaders.put("Authorization", "Bearer " + TOKEN);
    }

    @AfterAll
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    // ---- credentials ----

    @Test
    void basicAuthWithTheRightPasswordPushesAndAWrongPasswordStillFailsAfterwards() throws Exception {
        String text = """
                # TYPE invocations_total counter
                invocations_total{fn="resize"} 1
                # TYPE queue_depth gauge
                queue_depth 4
                """;
        HttpResponse<String> r = h.pushText("PUT", "/metrics/job/billing/region/eu", text, "Authorization", basic("fn", "s3cret"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        MetricEventBatch b = h.read(1).get(0);
        assertThat(b.getOperation()).isEqualTo(Operation.RECORD);
        assertThat(b.getSource()).isEqualTo(new Source("billing", null, null, null));
        assertThat(b.getGroupingLabels()).isEqualTo(Map.of("region", "eu"));
        assertThat(b.getPoints()).containsExactly(
                counter("invocations_total", null, labels("fn", "resize"), 1),
                gauge("queue_depth", null, labels(), 4));

        // the second push with the same credentials (served from the verified-password cache) is written too
        r = h.pushText("POST", "/metrics/job/billing", "# TYPE invocations_total counter\ninvocations_total{fn=\"crop\"} 2\n", "Authorization", basic("fn", "s3cret"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        b = h.read(1).get(0);
        assertThat(b.getSource().getJob()).isEqualTo("billing");
        assertThat(b.getGroupingLabels()).isEmpty();
        assertThat(b.getPoints()).containsExactly(counter("invocations_total", null, labels("fn", "crop"), 2));

        // a cached success must not let the same user in with another password
        double before = rejected("pushgateway", "unauthenticated");
        r = h.pushText("POST", "/metrics/job/billing", "invocations_total 1\n", "Authorization", basic("fn", "s3cret2"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).as("both schemes are configured").hasValue("Basic realm=\"mayfly\", Bearer realm=\"mayfly\"");
        assertThat(rejected("pushgateway", "unauthenticated")).isEqualTo(before + 1);
        h.assertNothingWrittenSinceLastRead();
    }

    @Test
    void basicUserLimitedToAJobPushesThatJobAndIsForbiddenAnother() throws Exception {
        String auth = basic("checkout-fn", "only-checkout");
        HttpResponse<String> r = h.pushText("POST", "/metrics/job/checkout/zone/a", "# TYPE orders_total counter\norders_total 5\n",
                "Authorization", auth);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        MetricEventBatch b = h.read(1).get(0);
        assertThat(b.getOperation()).isEqualTo(Operation.RECORD);
        assertThat(b.getSource()).isEqualTo(new Source("checkout", null, null, null));
        assertThat(b.getGroupingLabels()).isEqualTo(Map.of("zone", "a"));
        assertThat(b.getPoints()).containsExactly(counter("orders_total", null, labels(), 5));

        double before = rejected("pushgateway", "forbidden");
        r = h.pushText("POST", "/metrics/job/billing", "# TYPE orders_total counter\norders_total 5\n", "Authorization", auth);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(r.body()).contains("forbidden: these credentials may not push job billing");
        assertThat(rejected("pushgateway", "forbidden")).isEqualTo(before + 1);
        h.assertNothingWrittenSinceLastRead();
    }

    @Test
    void bearerTokenLimitedToAJobPushesThatJob() throws Exception {
        // the same token pushing another job is refused with 403: BadInputIT "token limited to another job"
        HttpResponse<String> r = h.pushText("PUT", "/metrics/job/checkout/region/eu",
                "# TYPE payments_total counter\npayments_total{method=\"card\"} 2\n",
                "Authorization", "Bearer " + CHECKOUT_ONLY_TOKEN, "Idempotency-Key", "checkout-token-push-1");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        MetricEventBatch b = h.read(1).get(0);
        assertThat(b.getEventId()).startsWith("checkout-token-push-1@");
        assertThat(b.getOperation()).isEqualTo(Operation.RECORD);
        assertThat(b.getSource()).isEqualTo(new Source("checkout", null, null, null));
        assertThat(b.getGroupingLabels()).isEqualTo(Map.of("region", "eu"));
        assertThat(b.getPoints()).containsExactly(counter("payments_total", null, labels("method", "card"), 2));
    }

    @Test
    void bearerTokenStoredAsSha256Pushes() throws Exception {
        HttpResponse<String> r = h.pushText("POST", "/metrics/job/reports", "rows_written 12\n", "Authorization", "Bearer " + HASHED_TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        MetricEventBatch b = h.read(1).get(0);
        assertThat(b.getSource()).isEqualTo(new Source("reports", null, null, null));
        assertThat(b.getPoints()).containsExactly(gauge("rows_written", null, labels(), 12));
    }

    // ---- OTLP JSON ----

    /**
     * An OTLP/JSON export request as an SDK or collector sends it (lowerCamelCase fields, 64-bit integers as strings,
     * enums as numbers): a delta monotonic Sum with attributes, a Gauge and an explicit-bucket Histogram, from one
     * resource carrying the attributes the README maps to the source, one promoted attribute and two to drop.
     */
    static String otlpJson() {
        long now = System.currentTimeMillis() * 1_000_000L;
        String start = Long.toString(now - 60_000_000_000L);
        String time = Long.toString(now - 1_000_000_000L);
        return """
                {
                  "resourceMetrics": [{
                    "resource": {"attributes": [
                      {"key": "service.name", "value": {"stringValue": "checkout"}},
                      {"key": "service.namespace", "value": {"stringValue": "shop"}},
                      {"key": "service.instance.id", "value": {"stringValue": "i-7f3a"}},
                      {"key": "faas.name", "value": {"stringValue": "checkout-handler"}},
                      {"key": "cloud.region", "value": {"stringValue": "eu-west-1"}},
                      {"key": "deployment.environment", "value": {"stringValue": "prod"}},
                      {"key": "host.name", "value": {"stringValue": "ip-10-0-0-1"}},
                      {"key": "telemetry.sdk.language", "value": {"stringValue": "java"}}
                    ]},
                    "scopeMetrics": [{
                      "scope": {"name": "io.opentelemetry.example", "version": "1.2.0"},
                      "metrics": [
                        {
                          "name": "http.server.requests",
                          "description": "HTTP requests served.",
                          "unit": "{request}",
                          "sum": {
                            "aggregationTemporality": 1,
                            "isMonotonic": true,
                            "dataPoints": [
                              {"attributes": [
                                 {"key": "http.route", "value": {"stringValue": "/cart"}},
                                 {"key": "http.response.status_code", "value": {"intValue": "200"}}],
                               "startTimeUnixNano": "START", "timeUnixNano": "TIME", "asInt": "3"},
                              {"attributes": [
                                 {"key": "http.route", "value": {"stringValue": "/pay"}},
                                 {"key": "http.response.status_code", "value": {"intValue": "500"}}],
                               "startTimeUnixNano": "START", "timeUnixNano": "TIME", "asInt": "1"}
                            ]
                          }
                        },
                        {
                          "name": "jvm.memory.used",
                          "unit": "By",
                          "gauge": {
                            "dataPoints": [
                              {"attributes": [
                                 {"key": "jvm.memory.type", "value": {"stringValue": "heap"}},
                                 {"key": "jvm.memory.pool.name", "value": {"stringValue": "G1 Eden Space"}}],
                               "timeUnixNano": "TIME", "asDouble": 1.5E8}
                            ]
                          }
                        },
                        {
                          "name": "http.server.request.duration",
                          "description": "Duration of HTTP server requests.",
                          "unit": "ms",
                          "histogram": {
                            "aggregationTemporality": 1,
                            "dataPoints": [
                              {"attributes": [{"key": "http.route", "value": {"stringValue": "/cart"}}],
                               "startTimeUnixNano": "START", "timeUnixNano": "TIME",
                               "count": "5", "sum": 50.5, "min": 2.1, "max": 27.0,
                               "bucketCounts": ["1", "3", "0", "1"], "explicitBounds": [5.0, 10.0, 25.0]}
                            ]
                          }
                        }
                      ]
                    }]
                  }]
                }
                """.replace("START", start).replace("TIME", time);
    }

    /**
     * The README's mapping of {@link #otlpJson()}: names and attribute names with '.' made '_', the promoted resource
     * attribute on every point, no other resource attribute as a label, description as help, unit kept, delta points
     * without stream or start time, per-bucket histogram counts as OTLP sends them.
     */
    static List<MetricPoint> expectedOtlpPoints() {
        return List.of(
                withUnit(counter("http_server_requests", "HTTP requests served.", labels("deployment_environment", "prod",
                        "http_route", "/cart", "http_response_status_code", "200"), 3), "{request}"),
                withUnit(counter("http_server_requests", "HTTP requests served.", labels("deployment_environment", "prod",
                        "http_route", "/pay", "http_response_status_code", "500"), 1), "{request}"),
                withUnit(gauge("jvm_memory_used", null, labels("deployment_environment", "prod",
                        "jvm_memory_type", "heap", "jvm_memory_pool_name", "G1 Eden Space"), 1.5e8), "By"),
                withUnit(histogram("http_server_request_duration", "Duration of HTTP server requests.",
                        labels("deployment_environment", "prod", "http_route", "/cart"), List.of(5.0, 10.0, 25.0),
                        List.of(1L, 3L, 0L, 1L), 50.5, 5, Temporality.DELTA, null, null), "ms"));
    }

    /** README: job = service.namespace/service.name, function = faas.name, region = cloud.region, instance = service.instance.id. */
    static final Source OTLP_SOURCE = new Source("shop/checkout", "checkout-handler", "eu-west-1", "i-7f3a");

    @Test
    void otlpJsonExportIsOneBatchMappedAsDocumented() throws Exception {
        Instant before = Instant.now();
        HttpResponse<String> r = h.send("POST", "/v1/metrics", "application/json", otlpJson().getBytes(StandardCharsets.UTF_8),
                "Idempotency-Key", "otlp-json-export-1");
        Instant after = Instant.now();
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(r.body()).isEqualTo("{}");

        MetricEventBatch b = h.read(1).get(0);
        assertThat(b.getEventId()).startsWith("otlp-json-export-1@");
        assertThat(b.getOperation()).isEqualTo(Operation.RECORD);
        assertThat(b.getSource()).isEqualTo(OTLP_SOURCE);
        assertThat(b.getGroupingLabels()).isEmpty();
        assertThat(b.getEmitTime()).isBetween(before.minusMillis(1), after.plusMillis(1));
        assertThat(b.getPoints()).containsExactlyElementsOf(expectedOtlpPoints());
    }

    // ---- the events API (the producer library's HTTP transport) ----

    @Test
    void eventBatchIsWrittenWithItsKeyScopedAndTheGatewaysClock() throws Exception {
        List<MetricPoint> points = List.of(counter("orders_total", "Orders.", labels("route", "/cart"), 3),
                gauge("queue_depth", null, labels(), 7));
        Instant before = Instant.now();
        HttpResponse<String> r = h.send("POST", "/v1/events", "application/vnd.mayfly.events+avro",
                Points.eventBatch("ignored-id", "checkout", points), "Idempotency-Key", "flush-7", "Authorization", "Bearer " + CHECKOUT_ONLY_TOKEN);
        Instant after = Instant.now();
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

        MetricEventBatch b = h.read(1).get(0);
        assertThat(b.getEventId()).startsWith("flush-7@").isNotEqualTo("ignored-id");
        assertThat(b.getSource()).isEqualTo(new Source("checkout", "fn", null, "container-1"));
        assertThat(b.getEmitTime()).as("the gateway's clock, not the client's").isBetween(before.minusMillis(1), after.plusMillis(1));
        assertThat(b.getOperation()).isEqualTo(Operation.RECORD);
        assertThat(b.getPoints()).containsExactlyElementsOf(points);

        // the same key from the same job is the same event id (a retry); from another job it is another one
        h.send("POST", "/v1/events", "application/vnd.mayfly.events+avro", Points.eventBatch("x", "checkout", points), "Idempotency-Key", "flush-7");
        h.send("POST", "/v1/events", "application/vnd.mayfly.events+avro", Points.eventBatch("x", "billing", points), "Idempotency-Key", "flush-7");
        List<MetricEventBatch> next = h.read(2);
        assertThat(next.get(0).getEventId()).isEqualTo(b.getEventId());
        assertThat(next.get(1).getEventId()).startsWith("flush-7@").isNotEqualTo(b.getEventId());
    }

    // ---- gzip ----

    @Test
    void gzippedTextPushIsInflatedAndWritten() throws Exception {
        String text = """
                # HELP uploads_total Uploads.
                # TYPE uploads_total counter
                uploads_total{kind="image"} 4
                # TYPE upload_seconds histogram
                upload_seconds_bucket{le="1"} 2
                upload_seconds_bucket{le="+Inf"} 3
                upload_seconds_sum 4.5
                upload_seconds_count 3
                """;
        HttpResponse<String> r = h.send("PUT", "/metrics/job/uploader/zone/b", TEXT, gzip(text.getBytes(StandardCharsets.UTF_8)),
                "Content-Encoding", "gzip", "Idempotency-Key", "gzip-text-1");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        MetricEventBatch b = h.read(1).get(0);
        assertThat(b.getEventId()).startsWith("gzip-text-1@");
        assertThat(b.getOperation()).isEqualTo(Operation.RECORD);
        assertThat(b.getSource()).isEqualTo(new Source("uploader", null, null, null));
        assertThat(b.getGroupingLabels()).isEqualTo(Map.of("zone", "b"));
        assertThat(b.getPoints()).containsExactly(
                counter("uploads_total", "Uploads.", labels("kind", "image"), 4),
                histogram("upload_seconds", null, labels(), List.of(1.0), List.of(2L, 1L), 4.5, 3, Temporality.DELTA, null, null));
    }

    @Test
    void gzippedOtlpProtobufExportIsInflatedAndWritten() throws Exception {
        ExportMetricsServiceRequest.Builder request = ExportMetricsServiceRequest.newBuilder();
        JsonFormat.parser().merge(otlpJson(), request);
        byte[] body = gzip(request.build().toByteArray());
        HttpResponse<String> r = h.send("POST", "/v1/metrics", "application/x-protobuf", body, "Content-Encoding", "gzip");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/x-protobuf");
        assertThat(r.body()).isEmpty();
        MetricEventBatch b = h.read(1).get(0);
        assertThat(b.getOperation()).isEqualTo(Operation.RECORD);
        assertThat(b.getSource()).isEqualTo(OTLP_SOURCE);
        assertThat(b.getGroupingLabels()).isEmpty();
        assertThat(b.getPoints()).containsExactlyElementsOf(expectedOtlpPoints());
    }

    @Test
    void gzipBodyInflatingToExactlyTheLimitIsWritten() throws Exception {
        byte[] text = paddedText(MAX_BODY);
        HttpResponse<String> r = h.send("POST", "/metrics/job/padded", TEXT, gzip(text), "Content-Encoding", "gzip");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        MetricEventBatch b = h.read(1).get(0);
        assertThat(b.getSource().getJob()).isEqualTo("padded");
        assertThat(b.getPoints()).containsExactly(gauge("g", null, labels(), 1));
    }

    @Test
    void gzipBodyInflatingPastTheLimitIs413AndWritesNothing() throws Exception {
        byte[] compressed = gzip(paddedText(MAX_BODY + 1));
        assertThat(compressed.length).as("the compressed body alone is within the limit").isLessThan(MAX_BODY / 10);
        double before = rejected("pushgateway", "body_too_large");
        HttpResponse<String> r = h.send("POST", "/metrics/job/padded", TEXT, compressed, "Content-Encoding", "gzip");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
        assertThat(r.body()).contains("request body is larger than " + MAX_BODY + " bytes");
        assertThat(rejected("pushgateway", "body_too_large")).isEqualTo(before + 1);
        h.assertNothingWrittenSinceLastRead();
    }

    @Test
    void bodyClaimingGzipThatIsPlainTextIs400AndWritesNothing() throws Exception {
        assertNotGzipIsRefused("g 1\n".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void truncatedGzipBodyIs400AndWritesNothing() throws Exception {
        byte[] whole = gzip("# TYPE c counter\nc 1\n".getBytes(StandardCharsets.UTF_8));
        assertNotGzipIsRefused(Arrays.copyOf(whole, whole.length - 10)); // header intact, deflate data and trailer cut
    }

    @Test
    void emptyBodyClaimingGzipIs400AndWritesNothing() throws Exception {
        assertNotGzipIsRefused(new byte[0]);
    }

    private void assertNotGzipIsRefused(byte[] body) throws Exception {
        double before = rejected("pushgateway", "malformed");
        HttpResponse<String> r = h.send("PUT", "/metrics/job/notgzip", TEXT, body, "Content-Encoding", "gzip");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).startsWith("body is not valid gzip");
        assertThat(rejected("pushgateway", "malformed")).isEqualTo(before + 1);
        h.assertNothingWrittenSinceLastRead();
    }

    // ---- helpers ----

    /** A text push of exactly {@code size} bytes: the sample {@code g 1} and one comment line padding it out. */
    static byte[] paddedText(int size) {
        String sample = "g 1\n";
        String text = sample + "#" + "x".repeat(size - sample.length() - 2) + "\n";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        assertThat(bytes).hasSize(size);
        return bytes;
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    static double rejected(String api, String reason) {
        return GatewayMetrics.REJECTED.labelValues(api, reason).get();
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static String bcrypt2y(String password) {
        return BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(4, password.toCharArray());
    }

    static String sha256Hex(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
