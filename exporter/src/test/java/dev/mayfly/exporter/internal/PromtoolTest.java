package dev.mayfly.exporter.internal;

import dev.mayfly.schemas.avro.MetricType;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static dev.mayfly.exporter.internal.TestAggregates.aggregate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** {@code promtool check metrics} finds nothing to complain about in a realistic text 0.0.4 scrape. */
class PromtoolTest {
    private static final File PROMTOOL = new File("/usr/bin/promtool");

    /** Skips without promtool, except in CI (environment variable CI set), where a missing promtool fails. */
    private static void requirePromtool() {
        if (!PROMTOOL.canExecute()) {
            if (System.getenv("CI") != null) {
                fail("promtool is required in CI but " + PROMTOOL + " is missing (Debian package prometheus)");
            }
            Assumptions.abort("promtool not installed at " + PROMTOOL);
        }
    }

    @Test
    void promtoolFindsNoProblems() throws Exception {
        requirePromtool();
        Fixture f = new Fixture(true);
        JvmMetrics.builder().register(f.scrapedRegistry);
        ExpositionTest.realistic().store.forEachName((name, series) -> series.forEach((labels, s) -> f.store.put(name, labels, s)));
        f.put(aggregate("mayfly_pipeline_records", MetricType.COUNTER, "task", "0_1").setHelp("Records processed by the pipeline").setValue(10).build(),
                aggregate("queue_depth", MetricType.UNKNOWN, "job", "worker").setHelp("Queue depth").setValue(3).build());
        f.text(ContentNegotiation.TEXT); // a first scrape, so the scrape's own self-metrics have values
        String text = f.text(ContentNegotiation.TEXT);
        assertThat(text).contains("jvm_memory_used_bytes", "mayfly_exporter_series", "mayfly_pipeline_records_total", "http_requests_total");

        Result result = promtool(text);
        assertThat(result.output()).as("promtool output for:\n" + text).isEmpty();
        assertThat(result.exitCode()).isZero();
    }

    /** The check above can fail: a series without help is the one finding promtool reports here (a parse error would exit 1). */
    @Test
    void missingHelpIsReported() throws Exception {
        requirePromtool();
        String text = ExpositionTest.realistic().text(ContentNegotiation.TEXT);
        Result result = promtool(text);
        assertThat(result.output()).isEqualTo("queue_depth no help text\n");
        assertThat(result.exitCode()).isEqualTo(3);
    }

    private record Result(int exitCode, String output) {
    }

    private static Result promtool(String text) throws Exception {
        Process p = new ProcessBuilder(PROMTOOL.getPath(), "check", "metrics").redirectErrorStream(true).start();
        p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), output);
    }
}
