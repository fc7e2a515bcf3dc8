package dev.mayfly.exporter.internal;

import dev.mayfly.http.HttpServer;
import dev.mayfly.http.HttpServerOptions;
import dev.mayfly.http.Route;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPInputStream;

import static dev.mayfly.exporter.internal.TestAggregates.counter;
import static dev.mayfly.exporter.internal.TestAggregates.gauge;
import static org.assertj.core.api.Assertions.assertThat;

class MetricsHandlerTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicBoolean ready = new AtomicBoolean(true);
    private HttpServer server;
    private Fixture fixture;

    @BeforeEach
    void start() throws IOException {
        fixture = new Fixture().put(counter("hits", 3, "job", "a"), gauge("temp", 1.5, "job", "a"));
        server = HttpServer.create(HttpServerOptions.defaults().withAddress("127.0.0.1", 0));
        server.route(Route.of(MetricsHandler.PATH, new MetricsHandler(fixture.scraper, ready::get, fixture.metrics).forPath()));
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(java.time.Duration.ZERO);
    }

    private HttpResponse<byte[]> send(String method, String pathAndQuery, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String body(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void servesText004ByDefault() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(body(r)).isEqualTo("""
                # TYPE hits_total counter
                hits_total{job="a"} 3.0
                # TYPE temp gauge
                temp{job="a"} 1.5
                """);
    }

    @Test
    void servesOpenMetricsWhenPrometheusAsksForIt() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/metrics", "Accept",
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertThat(body(r)).isEqualTo("""
                # TYPE hits counter
                hits_total{job="a"} 3.0
                hits_created{job="a"} 1700000000.123
                # TYPE temp gauge
                temp{job="a"} 1.5
                # EOF
                """);
    }

    @Test
    void nameParametersFilterFamilies() throws Exception {
        assertThat(body(send("GET", "/metrics?name%5B%5D=hits_total"))).isEqualTo("""
                # TYPE hits_total counter
                hits_total{job="a"} 3.0
                """);
        assertThat(body(send("GET", "/metrics?name[]=temp&name[]=hits"))).contains("hits_total{", "temp{");
    }

    @Test
    void gzipWhenAccepted() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/metrics", "Accept-Encoding", "gzip");
        assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
        try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(r.body()))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("hits_total{job=\"a\"} 3.0");
        }
    }

    @Test
    void notReadyIs503() throws Exception {
        ready.set(false);
        HttpResponse<byte[]> r = send("GET", "/metrics");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(body(r)).doesNotContain("hits");
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        assertThat(send("GET", "/metrics/job/x").statusCode()).isEqualTo(404);
        assertThat(send("GET", "/metricsx").statusCode()).isEqualTo(404);
        HttpResponse<byte[]> post = send("POST", "/metrics");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
        assertThat(send("PUT", "/metrics").statusCode()).isEqualTo(405);
        assertThat(send("HEAD", "/metrics").statusCode()).isEqualTo(200);
    }
}
