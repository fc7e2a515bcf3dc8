package dev.mayfly.schemas;

import dev.mayfly.schemas.avro.Source;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SeriesLabelsTest {
    @Test
    void groupingLabelsOverridePointLabelsAndTheSourceOverridesBoth() {
        Source source = Source.newBuilder().setJob("checkout").setFunction("pay").setRegion("eu").setInstance("i-1").build();
        assertThat(SeriesLabels.of(Map.of("code", "200", "instance", "p", "job", "fake"), Map.of("instance", "g"), source))
                .containsExactly(Map.entry("code", "200"), Map.entry("function", "pay"), Map.entry("instance", "g"),
                        Map.entry("job", "checkout"), Map.entry("region", "eu"));
    }

    @Test
    void functionAndRegionOnlyWhenSetAndTheInstanceNever() {
        Source source = Source.newBuilder().setJob("nightly").setInstance("i-1").build();
        assertThat(SeriesLabels.of(Map.of(), Map.of(), source)).containsExactly(Map.entry("job", "nightly"));
    }
}
