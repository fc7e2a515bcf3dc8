package dev.mayfly.gateway.internal;

import dev.mayfly.gateway.internal.PrometheusFamilies.Family;
import dev.mayfly.gateway.internal.PrometheusFamilies.HistogramSeries;
import dev.mayfly.gateway.internal.PrometheusFamilies.Sample;
import dev.mayfly.gateway.internal.PrometheusFamilies.Type;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The text format read into families: declarations, samples, histograms per label set, and every refusal's line. */
class TextFormatParserTest {

    @Test
    void helpAndTypeDeclareFamiliesAndSamplesJoinThem() {
        PrometheusFamilies families = parse("""
                # HELP requests_total Requests \\\\ handled.\\nAll of them.
                # TYPE requests_total counter
                requests_total{code="200",method="get"} 1027
                requests_total{code="500", method = "get" ,} 3
                # a comment, not a declaration
                # TYPE temperature gauge

                temperature -1.5e1
                plain_value {zone="a"}\t+Inf
                """);
        Family requests = families.get("requests_total");
        assertThat(requests.type).isEqualTo(Type.COUNTER);
        assertThat(requests.help).isEqualTo("Requests \\ handled.\nAll of them.");
        assertThat(samples(requests)).containsExactly(
                Map.entry(Map.of("code", "200", "method", "get"), 1027.0),
                Map.entry(Map.of("code", "500", "method", "get"), 3.0));
        assertThat(samples(families.get("temperature"))).containsExactly(Map.entry(Map.of(), -15.0));
        Family untyped = families.get("plain_value");
        assertThat(untyped.type).isEqualTo(Type.UNTYPED);
        assertThat(untyped.line).isEqualTo(9);
        assertThat(samples(untyped)).containsExactly(Map.entry(Map.of("zone", "a"), Double.POSITIVE_INFINITY));
    }

    @Test
    void labelStringsOfTheLineBeforeAreReusedWhenTheBytesRepeat() {
        PrometheusFamilies families = parse("m{region=\"eu-west-1\",code=\"200\"} 1\nm{region=\"eu-west-1\",code=\"500\"} 2\n"
                + "m{code=\"200\",region=\"eu-west-1\"} 3\n");
        List<Sample> s = families.get("m").samples;
        assertThat(s).hasSize(3);
        assertThat(key(s.get(1), "region")).isSameAs(key(s.get(0), "region"));
        assertThat(s.get(1).labels.get("region")).isSameAs(s.get(0).labels.get("region"));
        assertThat(s.get(1).labels.get("code")).isEqualTo("500");
        assertThat(s.get(2).labels).isEqualTo(Map.of("code", "200", "region", "eu-west-1")); // other slots: new strings, right values
    }

    @Test
    void manyLabelsAndSlotsThatChangeBetweenEscapedAndPlainValuesKeepTheirOwnValues() {
        StringBuilder text = new StringBuilder();
        for (int line = 0; line < 3; line++) {
            text.append("m{");
            for (int i = 0; i < 20; i++) {
                String value = line == 1 && i % 2 == 0 ? "v\\\"" + i : "v" + i; // line 2: every other value escaped
                text.append("l").append(i).append("=\"").append(value).append(line == 2 && i == 19 ? "x" : "").append("\",");
            }
            text.append("} ").append(line).append('\n');
        }
        List<Sample> s = parse(text.toString()).get("m").samples;
        assertThat(s).hasSize(3);
        for (int line = 0; line < 3; line++) {
            Map<String, String> labels = s.get(line).labels;
            assertThat(labels).hasSize(20);
            for (int i = 0; i < 20; i++) {
                String expected = (line == 1 && i % 2 == 0 ? "v\"" + i : "v" + i) + (line == 2 && i == 19 ? "x" : "");
                assertThat(labels.get("l" + i)).as("line %d, l%d", line + 1, i).isEqualTo(expected);
            }
        }
        assertThat(s.get(2).labels.get("l1")).isSameAs(s.get(1).labels.get("l1")); // plain on lines 2 and 3
    }

    @Test
    void bucketBoundsThatAreNotShortPlainDecimalsAreStillRead() {
        PrometheusFamilies families = parse("# TYPE h histogram\nh_bucket{le=\"1.23456789012345678901\"} 1\n"
                + "h_bucket{le=\"1e0\"} 1\nh_bucket{le=\"Inf\"} 2\nh_bucket{le=\"inf\"} 2\nh_bucket{le=\"+inf\"} 2\n");
        HistogramSeries h = families.get("h").histograms.get(Map.of());
        assertThat(Arrays.copyOf(h.upperBounds, h.buckets)).containsExactly(1.23456789012345678901, 1.0,
                Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
        assertRefused("# TYPE h histogram\nh_bucket{le=\"\\\"1\\\"\"} 1\n", PushRejected.MALFORMED,
                "line 2: h_bucket has le=\"\"1\"\", which is not a number");
    }

    @Test
    void escapedAndUtf8LabelValuesAreDecoded() {
        PrometheusFamilies families = parse("m{path=\"C:\\\\tmp\",q=\"say \\\"hi\\\"\\n\",city=\"zürich\"} 1\r\n");
        assertThat(families.get("m").samples.get(0).labels).isEqualTo(Map.of("path", "C:\\tmp", "q", "say \"hi\"\n", "city", "zürich"));
    }

    @Test
    void histogramSamplesAreGatheredPerLabelSet() {
        PrometheusFamilies families = parse("""
                # TYPE latency_seconds histogram
                latency_seconds_bucket{route="/a",le="0.1"} 2
                latency_seconds_bucket{route="/a",le="1.0E-0"} 5
                latency_seconds_bucket{route="/b",le="+Inf"} 1
                latency_seconds_bucket{route="/a",le="+Inf"} 6
                latency_seconds_sum{route="/a"} 2.5
                latency_seconds_count{route="/a"} 6
                latency_seconds_count{route="/b"} 1
                """);
        Family f = families.get("latency_seconds");
        assertThat(f.histograms).hasSize(2);
        HistogramSeries a = f.histograms.get(Map.of("route", "/a"));
        assertThat(Arrays.copyOf(a.upperBounds, a.buckets)).containsExactly(0.1, 1.0, Double.POSITIVE_INFINITY);
        assertThat(Arrays.copyOf(a.cumulativeCounts, a.buckets)).containsExactly(2.0, 5.0, 6.0);
        assertThat(a.sum).isEqualTo(2.5);
        assertThat(a.hasSum).isTrue();
        assertThat(a.count).isEqualTo(6.0);
        HistogramSeries b = f.histograms.get(Map.of("route", "/b"));
        assertThat(b.buckets).isEqualTo(1);
        assertThat(b.hasSum).isFalse();
        assertThat(b.line).isEqualTo(4);
    }

    @Test
    void refusalsNameTheLineAndTheProblem() {
        assertRefused("ok 1\nm 1 1700000000000\n", PushRejected.TIMESTAMP,
                "line 2: sample m has a timestamp; timestamps are not accepted");
        assertRefused("m 1 soon\n", PushRejected.MALFORMED, "line 1: unexpected text after the value of m");
        assertRefused("m{a=\"1\",a=\"2\"} 1\n", PushRejected.MALFORMED, "line 1: label a appears twice on m");
        assertRefused("m{a=\"1\"\n", PushRejected.MALFORMED, "line 1: expected ',' or '}' after the value of label a of m");
        assertRefused("m{a=\"1\n\"} 1\n", PushRejected.MALFORMED, "line 1: unterminated value of label a of m");
        assertRefused("m{a \"1\"} 1\n", PushRejected.MALFORMED, "line 1: expected '=' after label name a of m");
        assertRefused("m{a=1} 1\n", PushRejected.MALFORMED, "line 1: expected '\"' to start the value of label a of m");
        assertRefused("m{-a=\"1\"} 1\n", PushRejected.MALFORMED, "line 1: invalid label name in m at '-'");
        assertRefused("\n\n9m 1\n", PushRejected.MALFORMED, "line 3: invalid metric name '9m': it must match [a-zA-Z_:][a-zA-Z0-9_:]*");
        assertRefused("m 1\n-m 1\n", PushRejected.MALFORMED, "line 2: invalid metric name at '-'");
        assertRefused("m\n", PushRejected.MALFORMED, "line 1: expected a value after m");
        assertRefused("m{a=\"1\", \n", PushRejected.MALFORMED, "line 1: unterminated label set of m");
        assertRefused("# TYPE m\n", PushRejected.MALFORMED, "line 1: expected a type after # TYPE m");
        assertRefused("# HELP \n", PushRejected.MALFORMED, "line 1: expected a metric name");
        assertRefused("m 1\r\n9m", PushRejected.MALFORMED, "line 2: invalid metric name '9m'");
        assertRefused("m x1\n", PushRejected.MALFORMED, "line 1: value 'x1' of m is not a number");
        assertRefused("m{a=\"\\t\"} 1\n", PushRejected.MALFORMED, "line 1: invalid escape \\t in the value of label a of m");
        assertRefused("m 1\r\r\n", PushRejected.MALFORMED, "line 1: unexpected text after the value of m");
        assertRefused("# HELP m one\n# HELP m two\n", PushRejected.MALFORMED, "line 2: second HELP line for m");
        assertRefused("# TYPE m gaugeish\n", PushRejected.MALFORMED, "line 1: unknown metric type 'gaugeish' for m");
        assertRefused("# TYPE m gauge extra\n", PushRejected.MALFORMED, "line 1: unexpected text after # TYPE m gauge");
        assertRefused("# TYPE\n", PushRejected.MALFORMED, "line 1: expected a metric name after # TYPE");
        assertRefused("# TYPE m counter\n# TYPE m gauge\n", PushRejected.TYPE_CONFLICT, "line 2: second TYPE line for m");
        assertRefused("m 1\n# TYPE m gauge\n", PushRejected.TYPE_CONFLICT, "line 2: TYPE line for m after its samples");
        assertRefused("# TYPE h histogram\n# TYPE h_sum gauge\n", PushRejected.TYPE_CONFLICT, "line 2: # TYPE h_sum conflicts with histogram h");
        assertRefused("# TYPE s summary\n", PushRejected.SUMMARY, "s is a summary");
        assertRefused("# TYPE h histogram\nh_bucket{x=\"1\"} 1\n", PushRejected.MALFORMED, "line 2: h_bucket has no le label");
        assertRefused("# TYPE h histogram\nh_bucket{le=\"big\"} 1\n", PushRejected.MALFORMED, "line 2: h_bucket has le=\"big\", which is not a number");
        assertRefused("# TYPE h histogram\nh 1\n", PushRejected.MALFORMED, "line 2: h is a histogram; its samples must end in _bucket, _sum or _count");
        assertRefused("# TYPE h histogram\nh_sum 1\nh_sum 2\n", PushRejected.MALFORMED, "line 3: second h_sum for the same labels");
    }

    @Test
    void labelValuesAndHelpTextsThatAreNotUtf8AreRefused() {
        byte[] value = {'m', '{', 'a', '=', '"', (byte) 0xe9, '"', '}', ' ', '1', '\n'};
        assertThatThrownBy(() -> TextFormatParser.parse(value, value.length)).isInstanceOf(PushRejected.class)
                .hasMessageContaining("line 1: the value of label a of m is not valid UTF-8");
        byte[] help = {'#', ' ', 'H', 'E', 'L', 'P', ' ', 'm', ' ', (byte) 0xe9, '\n'};
        assertThatThrownBy(() -> TextFormatParser.parse(help, help.length)).isInstanceOf(PushRejected.class)
                .hasMessageContaining("line 1: HELP text is not valid UTF-8");
    }

    @Test
    void onlyTheGivenLengthOfTheBodyIsRead() {
        byte[] body = "m 1\ngarbage that is not read".getBytes(StandardCharsets.UTF_8);
        assertThat(samples(TextFormatParser.parse(body, 4).get("m"))).containsExactly(Map.entry(Map.of(), 1.0));
    }

    private static PrometheusFamilies parse(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return TextFormatParser.parse(b, b.length);
    }

    private static void assertRefused(String text, String reason, String message) {
        assertThatThrownBy(() -> parse(text)).as(text).isInstanceOf(PushRejected.class).hasMessageContaining(message)
                .satisfies(e -> assertThat(((PushRejected) e).reason()).as(text).isEqualTo(reason));
    }

    private static List<Map.Entry<Map<String, String>, Double>> samples(Family f) {
        return f.samples.stream().map(s -> Map.entry(s.labels, s.value)).toList();
    }

    private static String key(Sample s, String name) {
        return s.labels.keySet().stream().filter(name::equals).findFirst().orElseThrow();
    }
}
