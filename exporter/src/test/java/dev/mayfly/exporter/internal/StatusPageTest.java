package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.exporter.ProcessStatus;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StatusPageTest {
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final SeriesMetadata COUNTER = new SeriesMetadata(MetricType.COUNTER, "h", null);
    private static final SeriesMetadata GAUGE = new SeriesMetadata(MetricType.GAUGE, "h", "seconds");

    private static StatusReport report(SeriesStore store) {
        return StatusReport.gather(store, true, null, new PrometheusRegistry(), null, NOW);
    }

    @Test
    void jobsComeWithTheirLastPushAndSeriesCountAndRejectsAreSummedOverTasks() {
        SeriesStore store = new SeriesStore();
        long t = NOW.toEpochMilli();
        store.put("orders", "country=\"fr\",job=\"checkout\"", new ScalarSeries(COUNTER, t, t, 3));
        store.put("orders", "country=\"de\",job=\"checkout\"", new ScalarSeries(COUNTER, t, t, 2));
        store.put("latency", "route=\"a\"", new ScalarSeries(COUNTER, t, t, 1));
        store.put("latency", "route=\"b\"", new ScalarSeries(GAUGE, t, t, 1));
        store.put("latency", "route=\"c\"", new ScalarSeries(GAUGE, t, t, 1));
        store.put("mayfly_job_last_push_timestamp_seconds", "job=\"checkout\"", new ScalarSeries(GAUGE, t, t, (t - 90_000) / 1000.0));
        store.put("mayfly_pipeline_rejects", "job=\"checkout\",reason=\"type_mismatch\",task=\"1_0\"", new ScalarSeries(COUNTER, t, t, 2));
        store.put("mayfly_pipeline_rejects", "job=\"checkout\",reason=\"type_mismatch\",task=\"1_1\"", new ScalarSeries(COUNTER, t, t, 1));
        store.put("mayfly_pipeline_rejects", "reason=\"unknown_framing\",task=\"0_0\"", new ScalarSeries(COUNTER, t, t, 4));
        StatusReport r = report(store);
        assertThat(r.jobs()).containsOnlyKeys("checkout");
        assertThat(r.jobs().get("checkout")).isEqualTo(new StatusReport.Job(NOW.minusSeconds(90), 2));
        assertThat(r.metrics()).containsEntry("orders_total", new StatusReport.Metric(MetricType.COUNTER, 2, 0));
        assertThat(r.metrics()).as("served as its majority type, as /metrics serves it").containsEntry("latency", new StatusReport.Metric(MetricType.GAUGE, 2, 1))
                .doesNotContainKey("latency_total");
        assertThat(r.deadLetters()).isEqualTo(Map.of("type_mismatch", 3.0, "unknown_framing", 4.0));
        assertThat(r.deadLettersByJob()).isEqualTo(Map.of("checkout", Map.of("type_mismatch", 3.0)));
        String html = StatusPage.render(r, Map.of("exporter", "ready"), Map.of(), List.of());
        assertThat(html).contains("<td>latency</td><td>gauge</td><td class=\"n\">2 (1 of another type left out)</td>");
        assertThat(html).contains("<td>checkout</td><td>2026-12-02T09:58:30Z (90 s ago)</td><td class=\"n\">2</td>");
    }

    @Test
    void whatClientsSentIsEscapedNeverMarkup() {
        SeriesStore store = new SeriesStore();
        long t = NOW.toEpochMilli();
        store.put("x", "job=\"<script>alert(1)</script>\"", new ScalarSeries(COUNTER, t, t, 1));
        String html = StatusPage.render(report(store), Map.of(), Map.of("k", "\"><img src=x>"), List.of(new ProcessStatus.RefusedPush(NOW,
                "pushgateway", "/metrics/job/<i>", "malformed", 400, "bad <b>line</b>")));
        assertThat(html).doesNotContain("<script>alert", "<img", "<i>", "<b>line").contains("&lt;script&gt;alert(1)&lt;/script&gt;",
                "&quot;&gt;&lt;img src=x&gt;", "/metrics/job/&lt;i&gt;", "bad &lt;b&gt;line&lt;/b&gt;");
    }

    @Test
    void longTablesAreCutAndSayHowManyMore() {
        SeriesStore store = new SeriesStore();
        long t = NOW.toEpochMilli();
        for (int i = 0; i < StatusPage.MAX_ROWS + 7; i++) {
            store.put("m" + i, "job=\"j" + i + "\"", new ScalarSeries(COUNTER, t, t, 1));
        }
        String html = StatusPage.render(report(store), Map.of(), Map.of(), List.of());
        assertThat(html).contains("and 7 more");
        assertThat(html.split("<td>j", -1)).hasSize(StatusPage.MAX_ROWS + 1);
    }

    @Test
    void aProcessNotReadyOrAnExporterCatchingUpIsShownAsNotReady() {
        StatusReport catchingUp = StatusReport.gather(new SeriesStore(), false, null, new PrometheusRegistry(), null, NOW);
        assertThat(StatusPage.render(catchingUp, Map.of("streams", "ready"), Map.of(), List.of())).contains("not ready", "catching up");
        StatusReport caughtUp = report(new SeriesStore());
        assertThat(StatusPage.render(caughtUp, Map.of("streams", "starting"), Map.of(), List.of()))
                .contains("<span id=\"state\" class=\"bad\">not ready</span>", "No job has pushed yet.");
        assertThat(StatusPage.render(caughtUp, Map.of("streams", "ready"), Map.of(), List.of())).contains("class=\"ok\">ready</span>");
    }

    /** A counter {@code race} and a gauge {@code race_total} both claim {@code race_total}: the scrape serves one. */
    @Test
    void seriesTheLastScrapeLeftOutForAnotherFamilyOfTheirNameAreShown() {
        SeriesStore store = new SeriesStore();
        long t = NOW.toEpochMilli();
        store.put("race", "job=\"a\"", new ScalarSeries(COUNTER, t, t, 10));
        PrometheusRegistry registry = new PrometheusRegistry();
        ExporterMetrics metrics = new ExporterMetrics(registry, store, NOW::toEpochMilli, "aggregates");
        Scraper scraper = new Scraper(new AggregatesCollector(store), new PrometheusRegistry(), metrics);
        scraper.scrape(name -> true);
        assertThat(StatusPage.render(StatusReport.gather(store, true, null, registry, null, NOW), Map.of(), Map.of(), List.of()))
                .contains("series left out of the last scrape</th><td class=\"ok\">none");

        store.put("race_total", "job=\"b\"", new ScalarSeries(GAUGE, t, t, 4));
        store.put("race_total", "job=\"c\"", new ScalarSeries(GAUGE, t, t, 5));
        scraper.scrape(name -> true);
        StatusReport r = StatusReport.gather(store, true, null, registry, null, NOW);
        assertThat(r.conflictingSeries()).isEqualTo(2.0);
        assertThat(StatusPage.render(r, Map.of(), Map.of(), List.of()))
                .contains("series left out of the last scrape</th><td class=\"bad\">2: another family of the same name");
    }

    @Test
    void aWebConfigFileThatFailedToReloadIsShownAsAProblem() {
        PrometheusRegistry registry = new PrometheusRegistry();
        io.prometheus.metrics.core.metrics.Gauge ok = io.prometheus.metrics.core.metrics.Gauge.builder()
                .name("mayfly_http_web_config_last_reload_successful").register(registry);
        ok.set(0);
        StatusReport failed = StatusReport.gather(new SeriesStore(), true, null, registry, null, NOW);
        assertThat(StatusPage.render(failed, Map.of(), Map.of(), List.of())).contains("class=\"bad\">the last reading failed");
        ok.set(1);
        StatusReport fine = StatusReport.gather(new SeriesStore(), true, null, registry, null, NOW);
        assertThat(StatusPage.render(fine, Map.of(), Map.of(), List.of())).contains("in force as last read");
        assertThat(StatusPage.render(report(new SeriesStore()), Map.of(), Map.of(), List.of())).doesNotContain("web config file");
    }
}
