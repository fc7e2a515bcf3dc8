package dev.mayfly.schemas;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class MetricNamesTest {
    @ParameterizedTest
    @ValueSource(strings = {"http_requests_total", "_x", "a:b", "A1"})
    void validMetricNames(String name) {
        assertThat(MetricNames.isMetricName(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1abc", "a-b", "a.b", "a b", "é"})
    void invalidMetricNames(String name) {
        assertThat(MetricNames.isMetricName(name)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"route", "_r", "r2"})
    void validLabelNames(String name) {
        assertThat(MetricNames.isLabelName(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a:b", "__name__", "2x", "a-b"})
    void invalidLabelNames(String name) {
        assertThat(MetricNames.isLabelName(name)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mayfly_pipeline_events", "mayfly_x"})
    void mayflyPrefixIsReserved(String name) {
        assertThat(MetricNames.isReserved(name)).isTrue();
    }

    @Test
    void globsMatchWholeNamesWithStarAndQuestionMark() {
        assertThat(MetricNames.glob("http_*_total").matcher("http_requests_total").matches()).isTrue();
        assertThat(MetricNames.glob("http_*_total").matcher("http__total").matches()).isTrue();
        assertThat(MetricNames.glob("http_*_total").matcher("xhttp_requests_total").matches()).isFalse();
        assertThat(MetricNames.glob("job?").matcher("job1").matches()).isTrue();
        assertThat(MetricNames.glob("job?").matcher("job").matches()).isFalse();
        assertThat(MetricNames.glob("a.b+c").matcher("a.b+c").matches()).as("other characters are literal").isTrue();
        assertThat(MetricNames.glob("a.b").matcher("axb").matches()).isFalse();
    }
}
