package dev.mayfly.gateway;

import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Temporality;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static dev.mayfly.gateway.Points.counter;
import static dev.mayfly.gateway.Points.cumulativeCounter;
import static dev.mayfly.gateway.Points.gauge;
import static dev.mayfly.gateway.Points.histogram;
import static dev.mayfly.gateway.Points.labels;
import static org.assertj.core.api.Assertions.assertThat;

/** The Pushgateway API over plain HTTP against a real broker: what each push writes to the events topic. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PushgatewayApiIT {
    GatewayHarness h;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        h = new GatewayHarness(dir, Map.of());
    }

    @AfterAll
    void stop() {
        h.close();
    }

    @Test
    void textPushBecomesOneBatchWithEveryFamily() throws Exception {
        String text = """
                # HELP requests_total Requests served.
                # TYPE requests_total counter
                requests_total{path="/a",code="200"} 3
                requests_total{path="/b",code="500"} 1.5e1
                # TYPE temperature gauge
                temperature -2.5
                # HELP latency_seconds Latency.
                # TYPE latency_seconds histogram
                latency_seconds_bucket{le="0.1"} 1
                latency_seconds_bucket{le="0.5"} 3
                latency_seconds_bucket{le="+Inf"} 4
                latency_seconds_sum 1.25
                latency_seconds_count 4
                no_type_at_all{x="y"} 7
                """;
        HttpResponse<String> r = h.pushText("PUT", "/metrics/job/checkout/region/eu", text, "Idempotency-Key", "invocation-42");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

        MetricEventBatch b = h.read(1).get(0);
        assertThat(b.getEventId()).startsWith("invocation-42@");
        assertThat(b.getSource().getJob()).isEqualTo("checkout");
        assertThat(b.getSource().getInstance()).isNull();
        assertThat(b.getOperation()).isEqualTo(Operation.RECORD);
        assertThat(b.getGroupingLabels()).isEqualTo(Map.of("region", "eu"));
        assertThat(b.getEmitTime()).isBetween(Instant.now().minusSeconds(30), Instant.now());
        assertThat(b.getPoints()).containsExactly(
                counter("requests_total", "Requests served.", labels("path", "/a", "code", "200"), 3),
                counter("requests_total", "Requests served.", labels("path", "/b", "code", "500"), 15),
                gauge("temperature", null, labels(), -2.5),
                histogram("latency_seconds", "Latency.", labels(), List.of(0.1, 0.5), List.of(1L, 2L, 1L), 1.25, 4,
                        Temporality.DELTA, null, null),
                gauge("no_type_at_all", null, labels("x", "y"), 7));
    }

    /** What Prometheus accepts and a last value aggregates: NaN and infinite gauges are written as pushed. */

    @Test
    void anIdempotencyKeyNamesOnePushOfOneJobGroupMethodAndApi() throws Exception {
        String otlp = "{\"resourceMetrics\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"a\"}}]},"
                + "\"scopeMetrics\":[{\"metrics\":[{\"name\":\"c\",\"sum\":{\"aggregationTemporality\":1,\"isMonotonic\":true,"
                + "\"dataPoints\":[{\"asInt\":\"1\"}]}}]}]}]}";
        HttpResponse<?>[] answers = {
                h.pushText("POST", "/metrics/job/a/instance/1", "c_total 1\n", "Idempotency-Key", "k1"),
                h.pushText("POST", "/metrics/job/a/instance/1", "c_total 1\n", "Idempotency-Key", "k1"), // a retry
                h.pushText("POST", "/metrics/job/b/instance/1", "c_total 1\n", "Idempotency-Key", "k1"), // another job
                h.pushText("POST", "/metrics/job/a/instance/2", "c_total 1\n", "Idempotency-Key", "k1"), // another group
                h.pushText("PUT", "/metrics/job/a/instance/1", "c_total 1\n", "Idempotency-Key", "k1"),  // another method
                h.send("DELETE", "/metrics/job/a/instance/1", "text/plain", new byte[0], "Idempotency-Key", "k1"),
                h.send("POST", "/v1/metrics", "application/json", otlp.getBytes(StandardCharsets.UTF_8), "Idempotency-Key", "k1"),
        };
        for (HttpResponse<?> r : answers) {
            assertThat(r.statusCode()).as(String.valueOf(r.body())).isBetween(200, 202);
        }
        List<String> ids = h.read(answers.length).stream().map(MetricEventBatch::getEventId).toList();
        assertThat(ids).allMatch(id -> id.startsWith("k1@"));
        assertThat(ids.get(1)).as("a retry keeps its event id, so it counts once").isEqualTo(ids.get(0));
        assertThat(new java.util.HashSet<>(ids.subList(1, ids.size()))).as("every other push has its own").hasSize(ids.size() - 1);
    }
    @Test
    void onlyARecordWhoseEventIdTheGatewayMadeIsMarkedUniqueSoTheEngineSkipsItsLookup() throws Exception {
        assertThat(h.pushText("POST", "/metrics/job/a", "c_total 1\n").statusCode()).isEqualTo(200);
        assertThat(h.pushText("POST", "/metrics/job/a", "c_total 1\n", "Idempotency-Key", "k2").statusCode()).isEqualTo(200);
        List<MetricEventBatch> batches = h.read(2);
        assertThat(h.uniqueIds).as("no Idempotency-Key: a random id, made for this record alone")
                .contains(batches.get(0).getEventId());
        assertThat(h.uniqueIds).as("a keyed push may be retried under its id: the engine must look it up")
                .doesNotContain(batches.get(1).getEventId());
    }

    @Test
    void anIdempotencyKeyMayBeAQuotedStringWithSpaces() throws Exception {
        HttpResponse<String> r = h.pushText("POST", "/metrics/job/a", "c_total 1\n", "Idempotency-Key", " \"order 42\" ");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(h.read(1).get(0).getEventId()).startsWith("\"order 42\"@");
    }

    @Test
    void nonFiniteGaugesAreAccepted() throws Exception {
        HttpResponse<String> r = h.pushText("PUT", "/metrics/job/checkout", "# TYPE ratio gauge\nratio NaN\nup +Inf\ndown -Inf\n");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<MetricPoint> points = h.read(1).get(0).getPoints();
        assertThat(points).extracting(MetricPoint::getName).containsExactly("ratio", "up", "down");
        assertThat(points.get(0).getValue()).isNaN();
        assertThat(points.get(1).getValue()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(points.get(2).getValue()).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void deleteWritesOneDeleteGroupBatchAndAnswers202() throws Exception {
        HttpResponse<String> r = h.send("DELETE", "/metrics/job/checkout/region/eu", null, null);
        assertThat(r.statusCode()).isEqualTo(202);
        MetricEventBatch b = h.read(1).get(0);
        assertThat(b.getOperation()).isEqualTo(Operation.DELETE_GROUP);
        assertThat(b.getSource().getJob()).isEqualTo("checkout");
        assertThat(b.getGroupingLabels()).isEqualTo(Map.of("region", "eu"));
        assertThat(b.getPoints()).isEmpty();
    }

    @Test
    void base64EncodedJobAndLabelsAreDecoded() throws Exception {
        String job = b64("a/b job");
        String path = "/metrics/job@base64/" + job + "/path@base64/" + b64("/api/v1") + "/empty@base64/=/plain/x%20y";
        HttpResponse<String> r = h.pushText("POST", path, "g 1\n");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        MetricEventBatch b = h.read(1).get(0);
        assertThat(b.getSource().getJob()).isEqualTo("a/b job");
        assertThat(b.getGroupingLabels()).isEqualTo(Map.of("path", "/api/v1", "empty", "", "plain", "x y"));
    }

    @Test
    void cumulativePushNamesItsStreamByGroupingKeyAndInstanceAndUsesCreatedAsStartTime() throws Exception {
        String text = """
                # HELP jobs_total Jobs.
                # TYPE jobs_total counter
                jobs_total 10.0
                # HELP jobs_created Jobs.
                # TYPE jobs_created gauge
                jobs_created 1.7e9
                """;
        HttpResponse<String> r = h.pushText("POST", "/metrics/job/worker/mayfly_temporality/cumulative/instance/c-1/zone/z", text);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        MetricEventBatch b = h.read(1).get(0);
        assertThat(b.getSource().getInstance()).isEqualTo("c-1");
        assertThat(b.getGroupingLabels()).isEqualTo(Map.of("zone", "z"));
        assertThat(b.getPoints()).containsExactly(cumulativeCounter("jobs_total", "Jobs.", labels(), 10,
                "worker{instance=\"c-1\",zone=\"z\"}", Instant.ofEpochSecond(1_700_000_000L)));
    }

    @Test
    void headerChoosesCumulativeAndAggregationLabelsAreStripped() throws Exception {
        String text = "# TYPE peak gauge\npeak{mayfly_aggregation=\"max\",k=\"v\"} 5\n# TYPE c counter\nc 1\n";
        HttpResponse<String> r = h.pushText("POST", "/metrics/job/j/mayfly_aggregation/min", text, "Mayfly-Temporality", "cumulative");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        MetricEventBatch b = h.read(1).get(0);
        assertThat(b.getGroupingLabels()).isEmpty();
        assertThat(b.getPoints()).containsExactly(
                Points.withAggregation(gauge("peak", null, labels("k", "v"), 5), Aggregation.MAX),
                Points.withAggregation(cumulativeCounter("c", null, labels(), 1, "j{}", null), Aggregation.MIN));
    }

    @Test
    void delimitedProtobufPushIsDecoded() throws Exception {
        byte[] body = ProtobufFamilies.delimited(
                ProtobufFamilies.counterFamily("go_requests_total", "Requests.", Map.of("m", "GET"), 7, 1_700_000_000L),
                ProtobufFamilies.histogramFamily("go_latency", new double[]{0.1, 1}, new long[]{2, 5}, 6, 3.5));
        HttpResponse<String> r = h.send("PUT", "/metrics/job/go", "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        MetricEventBatch b = h.read(1).get(0);
        assertThat(b.getPoints()).containsExactly(
                counter("go_requests_total", "Requests.", labels("m", "GET"), 7),
                histogram("go_latency", null, labels(), List.of(0.1, 1.0), List.of(2L, 3L, 1L), 3.5, 6, Temporality.DELTA, null, null));
    }

    @Test
    void nativeHistogramsInDelimitedProtobufFollowThePushTemporality() throws Exception {
        // Prometheus buckets 1 and 2 of schema 0, (1, 2] and (2, 4]: Mayfly's (OpenTelemetry's) 0 and 1
        byte[] body = ProtobufFamilies.delimited(ProtobufFamilies.nativeHistogramFamily("go_native", 0, 1, new long[]{2, -1}, 3, null, 6.5));
        String protobuf = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";
        HttpResponse<String> r = h.send("PUT", "/metrics/job/go", protobuf, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        MetricPoint delta = h.read(1).get(0).getPoints().get(0);
        assertThat(delta.getTemporality()).isEqualTo(Temporality.DELTA);
        assertThat(delta.getStreamId()).isNull();
        assertThat(delta.getHistogram()).isNull();
        assertThat(delta.getNativeHistogram().getScale()).isZero();
        assertThat(delta.getNativeHistogram().getPositiveOffset()).isZero();
        assertThat(delta.getNativeHistogram().getPositiveCounts()).containsExactly(2L, 1L);
        assertThat(delta.getNativeHistogram().getCount()).isEqualTo(3);

        r = h.send("PUT", "/metrics/job/go/instance/i-1/mayfly_temporality/cumulative", protobuf, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        MetricEventBatch b = h.read(1).get(0);
        MetricPoint cumulative = b.getPoints().get(0);
        assertThat(cumulative.getTemporality()).isEqualTo(Temporality.CUMULATIVE);
        assertThat(cumulative.getStreamId()).contains("i-1");
        assertThat(cumulative.getLabels()).doesNotContainKey("instance");
        assertThat(cumulative.getNativeHistogram()).isEqualTo(delta.getNativeHistogram());
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
