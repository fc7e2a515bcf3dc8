package dev.mayfly.exporter;

import dev.mayfly.schemas.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExporterConfigTest {
    @Test
    void partitionsParseToASortedDistinctList() {
        assertThat(ExporterConfig.from(Map.of("exporter.partitions", " 3, 1,3 ,0")).partitions()).containsExactly(0, 1, 3);
        assertThat(ExporterConfig.from(Map.of()).partitions()).isEmpty();
    }

    @Test
    void badValuesAndUnknownKeysAreRejectedNamingTheKey() {
        assertThatThrownBy(() -> ExporterConfig.from(Map.of("exporter.partitions", "0,x"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("exporter.partitions");
        assertThatThrownBy(() -> ExporterConfig.from(Map.of("exporter.partition", "0"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("exporter.partition");
        assertThat(ExporterConfig.from(Map.of("kafka.security.protocol", "PLAINTEXT")).settings().withPrefix("kafka."))
                .isEqualTo(Map.of("security.protocol", "PLAINTEXT"));
    }

    @Test
    void settingsListTheExporterOnesAndTheCommonOnes() {
        assertThat(ExporterConfig.SETTINGS).contains(ExporterConfig.PARTITIONS, ExporterConfig.JVM_METRICS,
                        ExporterConfig.ENGINE_LAG_GROUP, ExporterConfig.ENGINE_LAG_INTERVAL)
                .containsAll(dev.mayfly.schemas.config.CommonSettings.ALL);
        assertThat(List.copyOf(ExporterConfig.SETTINGS)).hasSize(4 + dev.mayfly.schemas.config.CommonSettings.ALL.size());
        assertThatThrownBy(() -> ExporterConfig.from(Map.of("exporter.engine.lag.interval", "0s"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("exporter.engine.lag.interval");
    }
}
