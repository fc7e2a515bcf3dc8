package dev.mayfly.launcher.internal;

import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.Secrets;
import dev.mayfly.streams.StreamsAppConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SettingsInForceTest {
    @Test
    void everyKnownKeyIsShownWithItsValueOrDefaultAndSecretsAreMasked() {
        Map<String, String> shown = SettingsInForce.of(Map.of(
                "series.ttl", "2h",
                "schema.registry.url", "https://reader:pa55@registry:8081",
                "kafka.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";",
                "kafka.ssl.truststore.password", "changeit",
                "kafka.security.protocol", "SASL_SSL"), List.of(StreamsAppConfig.SETTINGS));
        assertThat(shown).containsEntry("series.ttl", "2h")
                .containsEntry("dedup.horizon", "1d")
                .containsEntry(CommonSettings.BOOTSTRAP_SERVERS.name(), "localhost:9092")
                .containsEntry("schema.registry.url", "https://" + Secrets.MASK + "@registry:8081")
                .containsEntry("kafka.sasl.jaas.config", Secrets.MASK)
                .containsEntry("kafka.ssl.truststore.password", Secrets.MASK)
                .containsEntry("kafka.security.protocol", "SASL_SSL");
        assertThat(String.join(" ", shown.values())).doesNotContain("pa55", "changeit", "password=");
    }
}
