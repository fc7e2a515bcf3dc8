package dev.mayfly.schemas;

import dev.mayfly.schemas.avro.Label;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class SeriesKeyTest {

    @Test
    void labelsAreWrittenInOrderAsInTheTextFormat() {
        TreeMap<String, String> labels = new TreeMap<>();
        labels.put("route", "/pay");
        labels.put("job", "checkout");

        assertThat(SeriesKey.of("requests", labels)).isEqualTo("requests{job=\"checkout\",route=\"/pay\"}");
    }

    @Test
    void backslashQuoteAndNewlineAreEscaped() {
        TreeMap<String, String> labels = new TreeMap<>();
        labels.put("path", "C:\\dir \"x\"\nnext");

        assertThat(SeriesKey.of("m", labels)).isEqualTo("m{path=\"C:\\\\dir \\\"x\\\"\\nnext\"}");
    }

    @Test
    void escapingKeepsDistinctValuesDistinct() {
        TreeMap<String, String> a = new TreeMap<>();
        a.put("a", "x\",b=\"y");
        TreeMap<String, String> b = new TreeMap<>();
        b.put("a", "x");
        b.put("b", "y");

        assertThat(SeriesKey.of("m", a)).isNotEqualTo(SeriesKey.of("m", b));
    }

    @Test
    void noLabelsGiveEmptyBraces() {
        assertThat(SeriesKey.of("up", new TreeMap<>())).isEqualTo("up{}");
        assertThat(SeriesKey.of("up", List.<Label>of())).isEqualTo("up{}");
    }

    @Test
    void avroLabelsGiveTheSameKeyAsAMap() {
        TreeMap<String, String> map = new TreeMap<>();
        map.put("a", "1\\");
        map.put("b", "\"2\"");
        List<Label> list = List.of(new Label("a", "1\\"), new Label("b", "\"2\""));

        assertThat(SeriesKey.of("m", list)).isEqualTo(SeriesKey.of("m", map));
    }

    @Test
    void metricNameIsThePartBeforeTheBrace() {
        assertThat(SeriesKey.metricName("requests{job=\"a{b}\"}")).isEqualTo("requests");
        assertThat(SeriesKey.metricName("plain")).isEqualTo("plain");
        assertThat(new String(SeriesKey.bytes("m{a=\"é\"}"), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("m{a=\"é\"}");
    }

    @Test
    void theLabelReaderReadsBackWhatTheKeyWrote() {
        java.util.TreeMap<String, String> labels = new java.util.TreeMap<>(java.util.Map.of("a", "plain", "b", "q\"uote", "c", "back\\slash", "d", "new\nline", "e", ""));
        String key = SeriesKey.of("m", labels);
        SeriesKey.LabelReader reader = new SeriesKey.LabelReader().reset(SeriesKey.labelPart(key));
        java.util.Map<String, String> read = new java.util.LinkedHashMap<>();
        while (reader.next()) {
            assertThat(reader.nameIs(reader.name())).isTrue();
            read.put(reader.name(), reader.value());
        }
        assertThat(read).containsExactlyEntriesOf(labels);
        assertThat(SeriesKey.labelPart("m{}")).isEmpty();
        assertThat(new SeriesKey.LabelReader().reset("").next()).isFalse();
    }

    @Test
    void theLabelReaderRejectsWhatTheKeyNeverWrites() {
        for (String bad : java.util.List.of("a", "a=x", "a=\"x", "a=\"x\",", "a=\"x\"b=\"y\"", "a=\"\\q\"", "a=\"x\\")) {
            SeriesKey.LabelReader reader = new SeriesKey.LabelReader().reset(bad);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
                while (reader.next()) {
                    // read all
                }
            }).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
