package dev.mayfly.launcher.internal.topics;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressFormatTest {
    @Test
    void barShowsFillPercentCountRateAndEta() {
        assertThat(ProgressFormat.bar(250, 1000, 240, 50.0, 20))
                .isEqualTo("[#####...............]  25%  240 records  50/s  ETA 0:15");
        assertThat(ProgressFormat.bar(1000, 1000, 1000, 12345.6, 10))
                .isEqualTo("[##########] 100%  1,000 records  12,346/s  ETA 0:00");
    }

    @Test
    void anEmptyRangeIsComplete() {
        assertThat(ProgressFormat.percent(0, 0)).isEqualTo(100);
        assertThat(ProgressFormat.bar(0, 0, 0, 0, 4)).startsWith("[####] 100%");
    }

    @Test
    void lineIsPlain() {
        assertThat(ProgressFormat.line(500, 2000, 498, 100)).isEqualTo("25% of the range, 498 records, 100/s, ETA 0:15");
    }

    @Test
    void etaIsUnknownWithoutARateAndUsesHoursWhenLong() {
        assertThat(ProgressFormat.eta(0, 10, 0)).isEqualTo("?");
        assertThat(ProgressFormat.eta(0, 7200, 1)).isEqualTo("2:00:00");
        assertThat(ProgressFormat.clock(61)).isEqualTo("1:01");
    }

    @Test
    void aTerminalGetsABarRedrawnInPlaceAndThenTheSummary() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong();
        ProgressReporter reporter = new ProgressReporter(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, clock::get, 100);
        reporter.record();
        reporter.update(1);
        assertThat(bytes.size()).as("not redrawn within 200 ms").isZero();
        clock.set(1_000_000_000L);
        reporter.update(50);
        reporter.finish("done");
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).startsWith("\r[###############...............]  50%  1 records  50/s  ETA 0:01");
        assertThat(text).endsWith("\r\u001b[Kdone" + System.lineSeparator());
    }

    @Test
    void elsewhereAPlainLineEveryFiveSeconds() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong();
        ProgressReporter reporter = new ProgressReporter(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, clock::get, 100);
        clock.set(1_000_000_000L);
        reporter.update(10);
        assertThat(bytes.size()).isZero();
        clock.set(5_000_000_000L);
        reporter.update(40);
        clock.set(6_000_000_000L);
        reporter.update(60);
        reporter.finish("done");
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines().toList())
                .containsExactly("40% of the range, 0 records, 8/s, ETA 0:08", "done");
    }
}
