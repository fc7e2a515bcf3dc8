package dev.mayfly.launcher.internal;

import dev.mayfly.exporter.ProcessStatus;
import dev.mayfly.schemas.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceConfigsTest {
    @Test
    void theExporterTakesKafkaPassThroughKeysBesideTheScrapeAuthentication() {
        assertThatCode(() -> ServiceConfigs.exporter(Map.of("kafka.security.protocol", "PLAINTEXT",
                "scrape.auth.failure.limit", "5"), ProcessStatus.none())).doesNotThrowAnyException();
    }

    @Test
    void theExporterStillRejectsAnUnknownKeyByName() {
        assertThatThrownBy(() -> ServiceConfigs.exporter(Map.of("scrape.auth.nonsense", "1"), ProcessStatus.none()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'scrape.auth.nonsense'");
    }
}
