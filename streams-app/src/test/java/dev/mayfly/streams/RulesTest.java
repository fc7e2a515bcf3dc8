package dev.mayfly.streams;

import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.streams.internal.Rule;
import dev.mayfly.streams.internal.Rules;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RulesTest {
    @Test
    void firstMatchingRuleAppliesByGlobOrRegex() {
        Rules rules = Rules.parse("""
                rules:
                  - match: "http_*_seconds"
                    aggregation: max
                    allow: [min]
                    ttl: 10m
                    window: 1m
                  - regex: "cache_.*"
                    without: [pod]
                """, "test");
        Rule http = rules.forName("http_request_seconds");
        assertThat(http.aggregationFor(MetricType.GAUGE, null)).isEqualTo(Aggregation.MAX);
        assertThat(http.aggregationFor(MetricType.GAUGE, Aggregation.MIN)).isEqualTo(Aggregation.MIN);
        assertThat(http.aggregationFor(MetricType.GAUGE, Aggregation.SUM)).isEqualTo(Aggregation.MAX);
        assertThat(http.aggregationFor(MetricType.COUNTER, Aggregation.MAX)).isEqualTo(Aggregation.SUM);
        assertThat(http.ttl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(http.windowStats()).hasSize(4);
        assertThat(rules.forName("cache_hits").keeps("pod")).isFalse();
        assertThat(rules.forName("cache_hits").keeps("job")).isTrue();
        assertThat(rules.forName("xcache_hits")).isSameAs(Rule.DEFAULT);
        assertThat(rules.forName("http_x_secondsz")).isSameAs(Rule.DEFAULT);
    }

    @Test
    void unknownKeysAndBadValuesAreRejectedWithOneLineNamingTheKey() {
        assertThatThrownBy(() -> Rules.parse("rules:\n  - match: a\n    agregation: max\n", "f.yaml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'agregation'").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> Rules.parse("rulez: []\n", "f.yaml")).hasMessageContaining("'rulez'");
        assertThatThrownBy(() -> Rules.parse("rules:\n  - match: \"x\n    by: [a]\n", "f.yaml"))
                .hasMessageStartingWith("f.yaml: not valid YAML at line ").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> Rules.parse("rules:\n  - match: a\n    ttl: soon\n", "f.yaml")).hasMessageContaining("'ttl'");
        assertThatThrownBy(() -> Rules.parse("rules:\n  - match: a\n    aggregation: median\n", "f.yaml")).hasMessageContaining("median");
        assertThatThrownBy(() -> Rules.parse("rules:\n  - match: a\n    regex: b\n", "f.yaml")).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> Rules.parse("rules:\n  - match: a\n    by: [x]\n    without: [y]\n", "f.yaml")).hasMessageContaining("not both");
        assertThatThrownBy(() -> Rules.parse("rules:\n  - regex: '('\n", "f.yaml")).hasMessageContaining("'regex'");
    }
}
