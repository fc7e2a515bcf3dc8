package dev.mayfly.gateway;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.mayfly.gateway.internal.GatewayMetrics;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.codec.MayflyCodecs;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every kind of bad push, against a real broker: the status, the message, the rejection counter, and that nothing was
 * written to the events topic (a marker pushed afterwards is the very next batch).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIT {
    static final String TOKEN = "push-token";
    static final String CHECKOUT_ONLY_TOKEN = "checkout-token";
    static final String TEXT = "text/plain; version=0.0.4";
    static final String PROTOBUF = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

    GatewayHarness h;

    record Case(String name, String method, String path, String contentType, byte[] body, List<String> headers,
                int status, String message, String api, String reason) {
        @Override
        public String toString() {
            return name;
        }

        Case at(String otherPath) {
            return new Case(name, method, otherPath, contentType, body, headers, status, message, api, reason);
        }
    }

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "# push tokens\n" + TOKEN + "\n" + CHECKOUT_ONLY_TOKEN + " checkout\n");
        Path users = dir.resolve("users");
        Files.writeString(users, "fn:" + BCrypt.withDefaults().hashToString(4, "secret".toCharArray()) + "\n");
        h = new GatewayHarness(dir.resolve("kafka"), Map.of(
                "push.max.body.bytes", "4096",
                "push.max.series", "5",
                "push.auth.token.file", tokens.toString(),
                "push.auth.basic.file", users.toString()));
        h.defaultHeaders.put("Authorization", "Bearer " + TOKEN);
    }

    @AfterAll
    void stop() {
        h.close();
    }

    static Case text(String name, String body, int status, String message, String reason) {
        return new Case(name, "PUT", "/metrics/job/bad", TEXT, body.getBytes(StandardCharsets.UTF_8), List.of(), status, message, "pushgateway", reason);
    }

    static Case at(String name, String method, String path, int status, String message, String reason, String... headers) {
        return new Case(name, method, path, TEXT, "g 1\n".getBytes(StandardCharsets.UTF_8), java.util.Arrays.asList(headers), status, message, "pushgateway", reason);
    }

    static Case otlpJson(String name, String json, int status, String message, String reason) {
        return new Case(name, "POST", "/v1/metrics", "application/json", json.getBytes(StandardCharsets.UTF_8), List.of(), status, message, "otlp", reason);
    }

    static List<Case> cases() throws IOException {
        List<Case> c = new ArrayList<>();
        c.add(text("unterminated label set", "m{a=\"b\" 1\n", 400, "text format parsing error in line 1: expected ',' or '}' after the value of label a of m", "malformed"));
        c.add(text("value is not a number", "ok 1\nm abc\n", 400, "text format parsing error in line 2: value 'abc' of m is not a number", "malformed"));
        c.add(text("bad escape", "m{a=\"\\x\"} 1\n", 400, "text format parsing error in line 1: invalid escape \\x", "malformed"));
        c.add(text("unknown type", "# TYPE m gaugeish\n", 400, "text format parsing error in line 1: unknown metric type 'gaugeish' for m", "malformed"));
        c.add(text("second TYPE line", "# TYPE x counter\n# TYPE x gauge\n", 400, "line 2: second TYPE line for x", "type_conflict"));
        c.add(text("counter and gauge share a name", "# TYPE foo_total counter\nfoo_total 1\n# TYPE foo gauge\nfoo 2\n", 400,
                "metric foo (gauge) conflicts with foo_total (counter): both would be stored as foo", "type_conflict"));
        c.add(text("OpenMetrics-style counter in the text format", "# TYPE ro counter\nro_total 6\n", 400,
                "metric ro_total (untyped) conflicts with ro (counter): both would be stored as ro_total; in this format a counter's "
                        + "samples carry the name of its # TYPE line: write # TYPE ro_total counter", "type_conflict"));
        c.add(text("summary", "# TYPE rpc summary\nrpc{quantile=\"0.5\"} 1\n", 400, "rpc is a summary: summaries cannot be aggregated; send a histogram", "summary"));
        c.add(text("sample timestamp", "m 1 1700000000000\n", 400, "line 1: sample m has a timestamp; timestamps are not accepted", "timestamp"));
        c.add(text("histogram without +Inf", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\n", 400,
                "histogram h{} (line 2): no le=\"+Inf\" bucket; the text format requires one", "malformed"));
        c.add(text("histogram without +Inf but with _count", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", 400,
                "histogram h{} (line 2): no le=\"+Inf\" bucket; the text format requires one", "malformed"));
        c.add(text("histogram buckets decrease", "# TYPE h histogram\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n", 400,
                "cumulative bucket counts decrease at le=+Inf", "malformed"));
        c.add(text("negative counter", "# TYPE c counter\nc -1\n", 400, "counter 'c' has negative delta -1.0; counters cannot go down", "negative_counter"));
        c.add(text("reserved metric name", "mayfly_fake 1\n", 400, "metric name 'mayfly_fake' is reserved", "reserved_metric_name"));
        // the rules the engine applies too, refused at push time by the same validator
        c.add(text("33 labels with the job", "m{" + labels(32) + "} 1\n", 400,
                "metric 'm' has 33 labels (job, function, region and grouping labels included); at most 32 (max.labels)", "too_many_labels"));
        c.add(text("32 labels with the job and a grouping label", "m{" + labels(31) + "} 1\n", 400, "metric 'm' has 33 labels", "too_many_labels")
                .at("/metrics/job/bad/zone/a"));
        c.add(text("2,000-character label value", "m{l=\"" + "v".repeat(2000) + "\"} 1\n", 400,
                "metric 'm': label 'l' has a value of 2000 characters; at most 1024 (max.label.value.length)", "label_value_too_long"));
        c.add(at("2,000-character grouping label value", "PUT", "/metrics/job/bad/zone/" + "v".repeat(2000), 400,
                "grouping label 'zone' has a value of 2000 characters; at most 1024 (max.label.value.length)", "label_value_too_long"));
        c.add(at("2,000-character job", "PUT", "/metrics/job/" + "j".repeat(2000), 400,
                "the job has 2000 characters; at most 1024 (max.label.value.length)", "invalid_job"));
        c.add(text("+Inf counter", "# TYPE c counter\nc +Inf\n", 400, "counter 'c' has value +Inf; counters must be finite", "non_finite_value"));
        c.add(text("NaN counter", "# TYPE c_total counter\nc_total NaN\n", 400, "counter 'c_total' has value NaN; counters must be finite", "non_finite_value"));
        c.add(text("+Inf gauge to be summed", "g{mayfly_aggregation=\"sum\"} +Inf\n", 400,
                "gauge 'g' has value +Inf; a gauge aggregated by sum must be finite", "non_finite_value"));
        c.add(text("NaN gauge to be maximized", "g{mayfly_aggregation=\"max\"} NaN\n", 400,
                "gauge 'g' has value NaN; a gauge aggregated by max cannot be NaN", "non_finite_value"));
        c.add(text("histogram with _sum NaN", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum NaN\nh_count 1\n", 400,
                "histogram 'h' has sum NaN; a histogram's sum must be finite", "non_finite_value"));
        c.add(new Case("protobuf histogram with a -Inf bound", "PUT", "/metrics/job/bad", PROTOBUF,
                ProtobufFamilies.delimited(ProtobufFamilies.histogramFamily("h", new double[]{Double.NEGATIVE_INFINITY}, new long[]{0}, 1, 1)),
                List.of(), 400, "histogram 'h': bucket bounds must be finite and strictly increasing, got [-Infinity]", "pushgateway",
                "invalid_histogram_bounds"));
        c.add(text("text histogram with a -Inf bound", "# TYPE h histogram\nh_bucket{le=\"-Inf\"} 0\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", 400,
                "histogram 'h': bucket bounds must be finite and strictly increasing, got [-Infinity]", "invalid_histogram_bounds"));
        c.add(text("histogram with a bound twice", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"1.0\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n", 400,
                "histogram 'h': bucket bounds must be finite and strictly increasing, got [1.0, 1.0]", "invalid_histogram_bounds"));
        c.add(new Case("protobuf native histogram with schema 9", "PUT", "/metrics/job/bad", PROTOBUF,
                ProtobufFamilies.delimited(ProtobufFamilies.nativeHistogramFamily("nh", 9, 1, new long[]{2, -1}, 3, null, 4)), List.of(), 400,
                "native histogram 'nh' has scale 9; the scale must be between -4 and 8", "pushgateway", "invalid_native_histogram"));
        c.add(new Case("protobuf float native histogram with a fractional count", "PUT", "/metrics/job/bad", PROTOBUF,
                ProtobufFamilies.delimited(ProtobufFamilies.nativeHistogramFamily("fh", 0, 1, new long[]{1}, 0, 1.5, 2)), List.of(), 400,
                "histogram fh is a float histogram with sample count 1.5", "pushgateway", "unsupported_metric"));
        c.add(new Case("protobuf counter whose value is in the gauge field", "PUT", "/metrics/job/bad", PROTOBUF,
                ProtobufFamilies.delimited(ProtobufFamilies.counterFamilyWithAGaugeValue("c_total", 5)), List.of(), 400,
                "counter c_total has a metric whose value is in the gauge or untyped field; a counter's value goes in its counter field",
                "pushgateway", "malformed"));
        c.add(new Case("protobuf metric name invalid", "PUT", "/metrics/job/bad", PROTOBUF,
                ProtobufFamilies.delimited(ProtobufFamilies.counterFamily("bad-name", "help", Map.of(), 1, 0)), List.of(), 400,
                "metric name 'bad-name' does not match [a-zA-Z_:][a-zA-Z0-9_:]*", "pushgateway", "invalid_metric_name"));
        c.add(text("counter that would be served under another name", "# TYPE jobs_total_total counter\njobs_total_total 1\n", 400,
                "counter name 'jobs_total_total' ends in _total twice", "invalid_metric_name"));
        c.add(text("counter named only _total", "# TYPE _total counter\n_total 1\n", 400,
                "counter name '_total' is empty without its _total suffix", "invalid_metric_name"));
        c.add(text("a metric name of 1,500 characters", "m" + "x".repeat(1499) + " 1\n", 400,
                "...' has 1500 characters; at most 1024", "invalid_metric_name"));
        c.add(text("a label name of 2,000 characters", "m{" + "l".repeat(2000) + "=\"v\"} 1\n", 400,
                "...' has 2000 characters; at most 1024", "invalid_label_name"));
        c.add(text("a 3,000-character type name is not echoed whole", "# TYPE m " + "x".repeat(3000) + "\n", 400,
                "characters left out ...]xxxxxxxxxx", "malformed"));
        c.add(text("unknown reserved label", "m{mayfly_x=\"1\"} 1\n", 400, "label mayfly_x of m is reserved", "reserved_name"));
        c.add(text("bad aggregation hint", "m{mayfly_aggregation=\"avg\"} 1\n", 400, "label mayfly_aggregation must be one of sum, last, max, min, got 'avg'", "reserved_name"));
        c.add(text("duplicate series", "m{a=\"1\"} 1\nm{a=\"1\"} 2\n", 400, "series m{a=1} appears twice in one push", "duplicate_series"));
        c.add(text("two series made one by the URL's grouping label", "m{zone=\"b\"} 1\nm 2\n", 400,
                "series m{job=bad, zone=a} appears twice in one push: the grouping labels and the job (function, region) replace the point labels",
                "duplicate_series").at("/metrics/job/bad/zone/a"));
        c.add(text("two series made one by the URL's job", "m{job=\"other\",a=\"1\"} 1\nm{a=\"1\"} 2\n", 400,
                "series m{a=1, job=bad} appears twice in one push", "duplicate_series"));
        c.add(otlpJson("OTLP: two points made one by the job", otlp("\"sum\":{\"aggregationTemporality\":1,\"isMonotonic\":true,\"dataPoints\":[{\"asInt\":\"1\","
                + "\"attributes\":[{\"key\":\"job\",\"value\":{\"stringValue\":\"x\"}}]},{\"asInt\":\"2\"}]}", "c"),
                400, "appears twice in one push", "duplicate_series"));
        c.add(text("too many series", "a 1\nb 1\nc 1\nd 1\ne 1\nf 1\n", 413, "push has more than 5 series", "too_many_series"));
        c.add(text("body too large", "m 1\n" + "# padding\n".repeat(500), 413, "request body is larger than 4096 bytes", "body_too_large"));
        c.add(new Case("protobuf summary", "PUT", "/metrics/job/bad", PROTOBUF, ProtobufFamilies.delimited(ProtobufFamilies.summaryFamily("rpc")),
                List.of(), 400, "rpc is a summary: summaries cannot be aggregated; send a histogram", "pushgateway", "summary"));
        c.add(new Case("protobuf truncated", "PUT", "/metrics/job/bad", PROTOBUF, new byte[]{10, 5, 1}, List.of(), 400,
                "protobuf parsing error in metric family #1", "pushgateway", "malformed"));
        c.add(new Case("JSON to the Pushgateway API", "PUT", "/metrics/job/bad", "application/json", "{}".getBytes(StandardCharsets.UTF_8),
                List.of(), 415, "unsupported Content-Type 'application/json'", "pushgateway", "unsupported_media_type"));
        c.add(new Case("protobuf not delimited", "PUT", "/metrics/job/bad", "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily",
                new byte[0], List.of(), 415, "protobuf pushes must be application/vnd.google.protobuf", "pushgateway", "unsupported_media_type"));
        c.add(at("unsupported content encoding", "PUT", "/metrics/job/bad", 415, "unsupported Content-Encoding 'br'", "unsupported_media_type", "Content-Encoding", "br"));
        c.add(at("label without value", "PUT", "/metrics/job/bad/zone", 400, "invalid grouping key: label zone has no value", "invalid_grouping_key"));
        c.add(at("empty job", "PUT", "/metrics/job/", 400, "invalid grouping key: job name is empty", "invalid_grouping_key"));
        c.add(at("bad base64", "PUT", "/metrics/job/bad/a@base64/!!", 400, "value of a@base64 is not base64url", "invalid_grouping_key"));
        c.add(at("reserved grouping label", "PUT", "/metrics/job/bad/mayfly_x/1", 400, "grouping label mayfly_x is reserved", "reserved_name"));
        c.add(new Case("histogram grouped by le", "PUT", "/metrics/job/bad/le/5", TEXT,
                "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n".getBytes(StandardCharsets.UTF_8),
                List.of(), 400, "histogram 'h' has a label 'le' (a grouping label): it is reserved for a histogram's bucket bounds",
                "pushgateway", "reserved_label_name"));
        c.add(at("bad temporality", "PUT", "/metrics/job/bad/mayfly_temporality/sometimes", 400,
                "label mayfly_temporality must be delta or cumulative, got 'sometimes'", "invalid_grouping_key"));
        c.add(at("header and label disagree", "PUT", "/metrics/job/bad/mayfly_temporality/delta", 400,
                "header Mayfly-Temporality and label mayfly_temporality disagree", "invalid_grouping_key", "Mayfly-Temporality", "cumulative"));
        c.add(at("Idempotency-Key too long", "PUT", "/metrics/job/bad", 400, "Idempotency-Key must be 1 to 128 printable ASCII characters",
                "invalid_header", "Idempotency-Key", "k".repeat(129)));
        c.add(at("GET", "GET", "/metrics/job/bad", 405, "method GET not allowed; use PUT, POST or DELETE", "method_not_allowed"));
        c.add(at("no credentials", "PUT", "/metrics/job/bad", 401, "unauthorized: missing or wrong credentials", "unauthenticated", "Authorization", null));
        c.add(at("wrong token", "PUT", "/metrics/job/bad", 401, "unauthorized: missing or wrong credentials", "unauthenticated", "Authorization", "Bearer nope"));
        c.add(at("wrong password", "PUT", "/metrics/job/bad", 401, "unauthorized: missing or wrong credentials", "unauthenticated",
                "Authorization", basic("fn", "wrong")));
        c.add(at("token limited to another job", "PUT", "/metrics/job/bad", 403, "forbidden: these credentials may not push job bad", "forbidden",
                "Authorization", "Bearer " + CHECKOUT_ONLY_TOKEN));
        c.add(new Case("OTLP as text", "POST", "/v1/metrics", "text/plain", new byte[0], List.of(), 415,
                "unsupported Content-Type 'text/plain'; use application/x-protobuf or application/json", "otlp", "unsupported_media_type"));
        c.add(otlpJson("OTLP invalid JSON", "{\"resourceMetrics\": [", 400, "invalid OTLP JSON", "malformed"));
        c.add(otlpJson("OTLP exponential histogram with scale Integer.MIN_VALUE", otlp("\"exponentialHistogram\":{\"aggregationTemporality\":1,"
                + "\"dataPoints\":[{\"count\":\"1\",\"sum\":1.0,\"scale\":-2147483648,\"positive\":{\"offset\":1,\"bucketCounts\":[\"1\"]}}]}", "eh"),
                400, "native histogram 'eh' has scale -2147483648; the scale must be between -4 and 8", "invalid_native_histogram"));
        c.add(otlpJson("OTLP exponential histogram at scale 21", otlp("\"exponentialHistogram\":{\"aggregationTemporality\":1,"
                + "\"dataPoints\":[{\"count\":\"1\",\"sum\":1.0,\"scale\":21,\"positive\":{\"offset\":1,\"bucketCounts\":[\"1\"]}}]}", "eh"),
                400, "exponential histogram 'eh' has scale 21; OpenTelemetry's scales go up to 20", "invalid_native_histogram"));
        c.add(otlpJson("OTLP exponential histogram whose bucket indexes overflow", otlp("\"exponentialHistogram\":{\"aggregationTemporality\":1,"
                + "\"dataPoints\":[{\"count\":\"2\",\"sum\":1.0,\"scale\":20,\"positive\":{\"offset\":2147483647,\"bucketCounts\":[\"1\",\"1\"]}}]}", "eh"),
                400, "describe no double value", "invalid_native_histogram"));
        c.add(otlpJson("OTLP exponential histogram beyond the doubles", otlp("\"exponentialHistogram\":{\"aggregationTemporality\":1,"
                + "\"dataPoints\":[{\"count\":\"1\",\"sum\":1.0,\"scale\":0,\"positive\":{\"offset\":300000000,\"bucketCounts\":[\"1\"]}}]}", "eh"),
                400, "positive bucket indexes 300000000..300000000 at scale 0 describe no double value", "invalid_native_histogram"));
        c.add(otlpJson("OTLP exponential histogram whose counts do not add up", otlp("\"exponentialHistogram\":{\"aggregationTemporality\":1,\"dataPoints\":[{\"count\":\"1\",\"sum\":1.0,\"scale\":1}]}", "eh"),
                400, "native histogram 'eh': zero count and bucket counts add up to 0 but count is 1", "histogram_count_mismatch"));
        c.add(otlpJson("OTLP histogram with an le attribute", otlp("\"histogram\":{\"aggregationTemporality\":1,\"dataPoints\":[{\"count\":\"2\",\"sum\":1,"
                + "\"bucketCounts\":[\"1\",\"1\"],\"explicitBounds\":[1],\"attributes\":[{\"key\":\"le\",\"value\":{\"stringValue\":\"x\"}}]}]}", "h"),
                400, "histogram 'h' has a label 'le' (its own)", "reserved_label_name"));
        c.add(otlpJson("OTLP metric without a name", otlp("\"sum\":{\"aggregationTemporality\":1,\"isMonotonic\":true,\"dataPoints\":[{\"asInt\":\"1\"}]}", ""),
                400, "a metric has an empty name", "malformed"));
        c.add(otlpJson("OTLP summary", otlp("\"summary\":{\"dataPoints\":[{\"count\":\"1\",\"sum\":1}]}", "s"),
                400, "s is a summary: summaries cannot be aggregated; send a histogram", "summary"));
        c.add(otlpJson("OTLP sum without temporality", otlp("\"sum\":{\"isMonotonic\":true,\"dataPoints\":[{\"asInt\":\"1\"}]}", "c"),
                400, "metric c has no aggregation temporality", "malformed"));
        c.add(otlpJson("OTLP histogram counts disagree", otlp("\"histogram\":{\"aggregationTemporality\":1,\"dataPoints\":[{\"count\":\"3\",\"sum\":1,"
                + "\"bucketCounts\":[\"1\",\"1\"],\"explicitBounds\":[1]}]}", "h"), 400, "histogram 'h': bucket counts add up to 2 but count is 3",
                "histogram_count_mismatch"));
        c.add(otlpJson("OTLP +Inf counter", otlp("\"sum\":{\"isMonotonic\":true,\"aggregationTemporality\":1,\"dataPoints\":[{\"asDouble\":\"Infinity\"}]}", "c"),
                400, "counter 'c' has value +Inf; counters must be finite", "non_finite_value"));
        c.add(otlpJson("OTLP histogram bounds decrease", otlp("\"histogram\":{\"aggregationTemporality\":1,\"dataPoints\":[{\"count\":\"2\",\"sum\":1,"
                + "\"bucketCounts\":[\"1\",\"1\",\"0\"],\"explicitBounds\":[2,1]}]}", "h"), 400,
                "histogram 'h': bucket bounds must be finite and strictly increasing, got [2.0, 1.0]", "invalid_histogram_bounds"));
        MetricPoint one = Points.counter("orders_total", null, Points.labels(), 1);
        c.add(events("events API without an Idempotency-Key", Points.eventBatch("e", "bad", List.of(one)), List.of(), 400,
                "an event batch needs an Idempotency-Key", "invalid_header"));
        c.add(new Case("events API as text", "POST", "/v1/events", TEXT, "m 1\n".getBytes(StandardCharsets.UTF_8), List.of("Idempotency-Key", "k"), 415,
                "unsupported Content-Type 'text/plain; version=0.0.4'; use application/vnd.mayfly.events+avro", "events", "unsupported_media_type"));
        c.add(new Case("events API GET", "GET", "/v1/events", null, new byte[0], List.of(), 405, "method GET not allowed; use POST", "events", "method_not_allowed"));
        c.add(events("events API: bytes that are not a batch", "m 1\n".getBytes(StandardCharsets.UTF_8), List.of("Idempotency-Key", "k"), 400,
                "not a MetricEventBatch in Avro single-object encoding: unknown_framing", "malformed"));
        byte[] batch = Points.eventBatch("e", "bad", List.of(one));
        byte[] hugeEventId = new byte[batch.length + 4]; // the event id ("e") declared 1,000,000,000 bytes long
        System.arraycopy(batch, 0, hugeEventId, 0, 10);
        System.arraycopy(new byte[]{(byte) 0x80, (byte) 0xA8, (byte) 0xD6, (byte) 0xB9, 0x07}, 0, hugeEventId, 10, 5);
        System.arraycopy(batch, 11, hugeEventId, 15, batch.length - 11);
        c.add(events("events API: a string declared longer than any record", hugeEventId, List.of("Idempotency-Key", "k"), 400,
                "not a MetricEventBatch in Avro single-object encoding: malformed_avro", "malformed"));
        c.add(events("events API: a delete", MayflyCodecs.eventsSingleObject().encode(new MetricEventBatch("e", new Source("bad", null, null, null),
                        java.time.Instant.EPOCH, Operation.DELETE_GROUP, Map.of(), List.of())), List.of("Idempotency-Key", "k"), 400,
                "operation DELETE_GROUP not accepted here", "malformed"));
        c.add(events("events API: negative counter", Points.eventBatch("e", "bad", List.of(Points.counter("c", null, Points.labels(), -1))),
                List.of("Idempotency-Key", "k"), 400, "counter 'c' has negative delta -1.0", "negative_counter"));
        c.add(events("events API: a series twice", Points.eventBatch("e", "bad", List.of(one, one)), List.of("Idempotency-Key", "k"), 400,
                "series orders_total{function=fn, job=bad} appears twice in one push", "duplicate_series"));
        c.add(events("events API: more series than push.max.series", Points.eventBatch("e", "bad", java.util.stream.IntStream.range(0, 6)
                        .mapToObj(i -> Points.counter("c" + i, null, Points.labels(), 1)).toList()), List.of("Idempotency-Key", "k"), 413,
                "push has more than 5 series", "too_many_series"));
        c.add(events("events API: a job the token may not push", Points.eventBatch("e", "billing", List.of(one)),
                List.of("Idempotency-Key", "k", "Authorization", "Bearer " + CHECKOUT_ONLY_TOKEN), 403,
                "forbidden: these credentials may not push job billing", "forbidden"));
        return c;
    }

    static Case events(String name, byte[] body, List<String> headers, int status, String message, String reason) {
        return new Case(name, "POST", "/v1/events", "application/vnd.mayfly.events+avro", body, headers, status, message, "events", reason);
    }

    /** {@code l1="x",l2="x",...}: {@code n} labels. */
    static String labels(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            sb.append(i > 1 ? "," : "").append('l').append(i).append("=\"x\"");
        }
        return sb.toString();
    }

    static String otlp(String data, String name) {
        return "{\"resourceMetrics\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"bad\"}}]},"
                + "\"scopeMetrics\":[{\"metrics\":[{\"name\":\"" + name + "\"," + data + "}]}]}]}";
    }

    /** One OTLP JSON request of service "partial" carrying {@code metrics} (each a metric object). */
    static String otlpMetrics(String... metrics) {
        return "{\"resourceMetrics\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"partial\"}}]},"
                + "\"scopeMetrics\":[{\"metrics\":[" + String.join(",", metrics) + "]}]}]}";
    }

    static String counter(String name, String value) {
        return "{\"name\":\"" + name + "\",\"sum\":{\"aggregationTemporality\":1,\"isMonotonic\":true,\"dataPoints\":[{\"asDouble\":\"" + value + "\"}]}}";
    }

    @Test
    void anOtlpMetricThatBreaksARuleIsLeftOutAndTheRestWritten() throws Exception {
        h.readAll();
        double summaries = GatewayMetrics.LEFT_OUT_POINTS.labelValues("otlp", "summary").get();
        double malformed = GatewayMetrics.LEFT_OUT_POINTS.labelValues("otlp", "malformed").get();
        double infinite = GatewayMetrics.LEFT_OUT_POINTS.labelValues("otlp", "non_finite_value").get();
        double refused = GatewayMetrics.REJECTED.labelValues("otlp", "summary").get();
        String body = otlpMetrics(counter("good_total", "3"),
                "{\"name\":\"s\",\"summary\":{\"dataPoints\":[{\"count\":\"1\",\"sum\":1},{\"count\":\"2\",\"sum\":2,"
                        + "\"attributes\":[{\"key\":\"a\",\"value\":{\"stringValue\":\"b\"}}]}]}}",
                "{\"name\":\"h\",\"histogram\":{\"aggregationTemporality\":1,\"dataPoints\":[{\"count\":\"1\",\"bucketCounts\":[\"1\"]}]}}",
                counter("inf_total", "Infinity"),
                "{\"name\":\"level\",\"gauge\":{\"dataPoints\":[{\"asDouble\":2.5}]}}");
        HttpResponse<String> r = h.send("POST", "/v1/metrics", "application/json", body.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        ExportMetricsServiceResponse.Builder answer = ExportMetricsServiceResponse.newBuilder();
        com.google.protobuf.util.JsonFormat.parser().merge(r.body(), answer);
        assertThat(answer.getPartialSuccess().getRejectedDataPoints()).isEqualTo(4);
        assertThat(answer.getPartialSuccess().getErrorMessage()).isEqualTo("4 of 6 data points left out, the rest accepted: "
                + "s is a summary: summaries cannot be aggregated; send a histogram | histogram h has no sum; Mayfly histograms need one"
                + " | counter 'inf_total' has value +Inf; counters must be finite");
        MetricEventBatch written = h.read(1).get(0);
        assertThat(written.getSource().getJob()).isEqualTo("partial");
        assertThat(written.getPoints()).extracting(MetricPoint::getName).containsExactly("good_total", "level");
        assertThat(written.getPoints().get(0).getValue()).isEqualTo(3.0);
        assertThat(GatewayMetrics.LEFT_OUT_POINTS.labelValues("otlp", "summary").get()).isEqualTo(summaries + 2);
        assertThat(GatewayMetrics.LEFT_OUT_POINTS.labelValues("otlp", "malformed").get()).isEqualTo(malformed + 1);
        assertThat(GatewayMetrics.LEFT_OUT_POINTS.labelValues("otlp", "non_finite_value").get()).isEqualTo(infinite + 1);
        assertThat(GatewayMetrics.REJECTED.labelValues("otlp", "summary").get()).as("the push is not refused as a whole").isEqualTo(refused);
        h.assertNothingWrittenSinceLastRead();
    }

    @Test
    void anOtlpMetricClashingWithAnotherOfTheRequestIsLeftOutAndTheAnswerIsProtobuf() throws Exception {
        h.readAll();
        ExportMetricsServiceRequest.Builder request = ExportMetricsServiceRequest.newBuilder();
        com.google.protobuf.util.JsonFormat.parser().merge(otlpMetrics(counter("x", "1"),
                "{\"name\":\"x_created\",\"gauge\":{\"dataPoints\":[{\"asDouble\":5}]}}"), request);
        HttpResponse<byte[]> r = h.sendBytes("POST", "/v1/metrics", "application/x-protobuf", request.build().toByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        ExportMetricsServiceResponse answer = ExportMetricsServiceResponse.parseFrom(r.body());
        assertThat(answer.getPartialSuccess().getRejectedDataPoints()).isEqualTo(1);
        assertThat(answer.getPartialSuccess().getErrorMessage()).contains("1 of 2 data points left out")
                .contains("would both be served under the name x_created");
        assertThat(h.read(1).get(0).getPoints()).extracting(MetricPoint::getName).containsExactly("x");
        h.assertNothingWrittenSinceLastRead();
    }

    @Test
    void anOtlpRequestWhoseEveryMetricBreaksARuleIsRefusedWholeNamingThemAll() throws Exception {
        h.readAll();
        double refused = GatewayMetrics.REJECTED.labelValues("otlp", "non_finite_value").get();
        double leftOut = GatewayMetrics.LEFT_OUT_POINTS.labelValues("otlp", "non_finite_value").get();
        HttpResponse<String> r = h.send("POST", "/v1/metrics", "application/json",
                otlpMetrics(counter("a_total", "NaN"), counter("b_total", "-Infinity")).getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("counter 'a_total' has value NaN").contains("(and 1 more metric refused: b_total)");
        assertThat(GatewayMetrics.REJECTED.labelValues("otlp", "non_finite_value").get()).isEqualTo(refused + 1);
        assertThat(GatewayMetrics.LEFT_OUT_POINTS.labelValues("otlp", "non_finite_value").get()).isEqualTo(leftOut);
        h.assertNothingWrittenSinceLastRead();
    }

    /** An export of no data point (as `{}`) is answered 200 as OTLP asks, with nothing written. */
    @Test
    void anEmptyOtlpRequestIsAnsweredAndWritesNothing() throws Exception {
        h.readAll();
        HttpResponse<String> json = h.send("POST", "/v1/metrics", "application/json", "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(json.statusCode()).as(json.body()).isEqualTo(200);
        assertThat(json.body()).isEqualTo("{}");
        HttpResponse<byte[]> protobuf = h.sendBytes("POST", "/v1/metrics", "application/x-protobuf", new byte[0]);
        assertThat(protobuf.statusCode()).isEqualTo(200);
        HttpResponse<String> noPoints = h.send("POST", "/v1/metrics", "application/json",
                "{\"resourceMetrics\":[{}]}".getBytes(StandardCharsets.UTF_8));
        assertThat(noPoints.statusCode()).as(noPoints.body()).isEqualTo(200);
        h.assertNothingWrittenSinceLastRead();
    }

    @Test
    void anOtlpMetricLeftOutCostsNoOtherMetricOfTheSameName() throws Exception {
        h.readAll();
        // two scopes of one service report "requests": the second's point is not a number, the first's stays
        String body = "{\"resourceMetrics\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"partial\"}}]},"
                + "\"scopeMetrics\":[{\"scope\":{\"name\":\"a\"},\"metrics\":[" + counter("requests", "2") + "]},"
                + "{\"scope\":{\"name\":\"b\"},\"metrics\":[" + counter("requests", "NaN").replace("[{", "[{\"attributes\":[{\"key\":\"s\",\"value\":{\"stringValue\":\"b\"}}],")
                + "]}]}]}";
        HttpResponse<String> r = h.send("POST", "/v1/metrics", "application/json", body.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("1 of 2 data points left out");
        MetricEventBatch written = h.read(1).get(0);
        assertThat(written.getPoints()).hasSize(1);
        assertThat(written.getPoints().get(0).getValue()).isEqualTo(2.0);
        h.assertNothingWrittenSinceLastRead();
    }

    /** One OTLP JSON request of service "partial", one scope per metric (scope i named "s" + i). */
    static String otlpScopes(String... metrics) {
        StringBuilder scopes = new StringBuilder();
        for (int i = 0; i < metrics.length; i++) {
            scopes.append(i == 0 ? "" : ",").append("{\"scope\":{\"name\":\"s").append(i).append("\"},\"metrics\":[").append(metrics[i]).append("]}");
        }
        return "{\"resourceMetrics\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"partial\"}}]},"
                + "\"scopeMetrics\":[" + scopes + "]}]}";
    }

    /** The points written for an OTLP request that got 200 leaving out {@code leftOut} data points: name=value, in order. */
    private List<String> writtenLeavingOut(String body, int leftOut, String reason) throws Exception {
        HttpResponse<String> r = h.send("POST", "/v1/metrics", "application/json", body.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        ExportMetricsServiceResponse.Builder answer = ExportMetricsServiceResponse.newBuilder();
        com.google.protobuf.util.JsonFormat.parser().merge(r.body(), answer);
        assertThat(answer.getPartialSuccess().getRejectedDataPoints()).isEqualTo(leftOut);
        assertThat(answer.getPartialSuccess().getErrorMessage()).contains(reason);
        List<String> written = h.read(1).get(0).getPoints().stream().map(p -> p.getName() + "=" + p.getValue()).toList();
        h.assertNothingWrittenSinceLastRead();
        return written;
    }

    @Test
    void ofTwoCopiesOfOneOtlpSeriesTheValidOneIsKept() throws Exception {
        h.readAll();
        assertThat(writtenLeavingOut(otlpScopes(counter("w_total", "NaN"), counter("w_total", "4"), counter("w_ok_total", "1")), 1,
                "counter 'w_total' has value NaN")).containsExactly("w_total=4.0", "w_ok_total=1.0");
        assertThat(writtenLeavingOut(otlpScopes(counter("y_total", "NaN"), counter("y_total", "4")), 1, "has value NaN"))
                .containsExactly("y_total=4.0");
        // two valid copies: the first is kept, the second left out
        assertThat(writtenLeavingOut(otlpScopes(counter("v_total", "1"), counter("v_total", "2")), 1,
                "series v_total{} appears twice in one push")).containsExactly("v_total=1.0");
    }

    @Test
    void otlpCountersXAndXTotalAreOneSeriesAndACounterAndAGaugeOfOneNameKeepTheCounterInEitherOrder() throws Exception {
        h.readAll();
        assertThat(writtenLeavingOut(otlpScopes(counter("k", "1"), counter("k_total", "2")), 1,
                "series k_total{} appears twice in one push")).containsExactly("k=1.0");
        String gauge = "{\"name\":\"x\",\"gauge\":{\"dataPoints\":[{\"asDouble\":5}]}}";
        assertThat(writtenLeavingOut(otlpScopes(gauge, counter("x", "1")), 1, "metrics x (counter) and x (gauge) of this push"))
                .containsExactly("x=1.0");
        assertThat(writtenLeavingOut(otlpScopes(counter("x", "1"), gauge), 1, "metrics x (counter) and x (gauge) of this push"))
                .containsExactly("x=1.0");
    }

    @Test
    void aClientThatGoesAwayBeforeItsPushArrivedWholeIsCountedApartFromBadPushes() throws Exception {
        h.readAll();
        double closed = GatewayMetrics.REJECTED.labelValues("pushgateway", "client_closed").get();
        double malformed = GatewayMetrics.REJECTED.labelValues("pushgateway", "malformed").get();
        java.net.URI uri = java.net.URI.create(h.url("/"));
        String head = "PUT /metrics/job/gone HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + "\r\nContent-Length: 100\r\n\r\nm 1\n";
        try (java.net.Socket halfClosed = new java.net.Socket(uri.getHost(), uri.getPort())) {
            halfClosed.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            halfClosed.shutdownOutput(); // gone before the body arrived whole: still told why
            assertThat(new String(halfClosed.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 400")
                    .contains("the client closed its side before the body arrived whole");
        }
        try (java.net.Socket reset = new java.net.Socket(uri.getHost(), uri.getPort())) {
            reset.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(200);
            reset.setSoLinger(true, 0); // closing now resets the connection
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (GatewayMetrics.REJECTED.labelValues("pushgateway", "client_closed").get() < closed + 2 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(GatewayMetrics.REJECTED.labelValues("pushgateway", "client_closed").get()).isEqualTo(closed + 2);
        assertThat(GatewayMetrics.REJECTED.labelValues("pushgateway", "malformed").get()).isEqualTo(malformed);
        h.assertNothingWrittenSinceLastRead();
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRefusedWholeAndWritesNothing(Case c) throws Exception {
        double before = GatewayMetrics.REJECTED.labelValues(c.api(), c.reason()).get();
        HttpResponse<String> r = h.send(c.method(), c.path(), c.contentType(), c.body(), c.headers().toArray(String[]::new));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(c.status());
        assertThat(r.body()).contains(c.message());
        if (c.status() == 401) {
            assertThat(r.headers().firstValue("WWW-Authenticate")).isPresent();
        }
        assertThat(GatewayMetrics.REJECTED.labelValues(c.api(), c.reason()).get()).isEqualTo(before + 1);
        h.assertNothingWrittenSinceLastRead();
    }
}
