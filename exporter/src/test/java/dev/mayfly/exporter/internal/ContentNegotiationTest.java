package dev.mayfly.exporter.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ContentNegotiationTest {
    private static final String OM = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    private static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private static String contentTypeFor(String accept) {
        return ContentNegotiation.writerFor(accept).getContentType();
    }

    @Test
    void prometheusScrapeHeadersGetOpenMetrics() {
        // Prometheus 2.42 default
        assertThat(contentTypeFor("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")).isEqualTo(OM);
        assertThat(contentTypeFor("application/openmetrics-text; version=0.0.1")).isEqualTo(OM);
    }

    @Test
    void textIsTheFallback() {
        assertThat(contentTypeFor(null)).isEqualTo(TEXT);
        assertThat(contentTypeFor("")).isEqualTo(TEXT);
        assertThat(contentTypeFor("application/json")).isEqualTo(TEXT);
        assertThat(contentTypeFor("application/openmetrics-text;version=2.0.0")).isEqualTo(TEXT);
        assertThat(contentTypeFor("*/*")).isEqualTo(TEXT);
    }

    @Test
    void protobufIsServedWhenAskedFor() {
        assertThat(contentTypeFor("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"))
                .isEqualTo("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited");
    }

    @Test
    void qualityDecides() {
        assertThat(contentTypeFor("application/openmetrics-text;version=1.0.0;q=0.2,text/plain;version=0.0.4;q=0.9")).isEqualTo(TEXT);
        assertThat(contentTypeFor("text/plain;q=0.3, application/openmetrics-text;q=0.4")).isEqualTo(OM);
        assertThat(contentTypeFor("application/openmetrics-text;q=0, text/plain;q=0.1")).isEqualTo(TEXT);
    }
}
