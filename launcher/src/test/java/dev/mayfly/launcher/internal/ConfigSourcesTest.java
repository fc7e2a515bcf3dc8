package dev.mayfly.launcher.internal;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigSourcesTest {
    @Test
    void variablesTheLauncherReadsItselfAreNotConfigKeys() {
        Map<String, String> raw = ConfigSources.load(null, Map.of("MAYFLY_TLS_KEYSTORE_PASSWORD", "changeit",
                "MAYFLY_JAVA_OPTS", "-Xmx2g", "MAYFLY_SERIES_TTL", "2h", "PATH", "/bin"), Map.of(), Map.of());
        assertThat(raw).isEqualTo(Map.of("series.ttl", "2h"));
    }

    @Test
    void variablesOfTheClientsAreLeftToThemButTheKeysTheyShareWithTheServicesApply() {
        Map<String, String> raw = ConfigSources.load(null, Map.of("MAYFLY_JOB", "checkout", "MAYFLY_GATEWAY_URL", "http://m:9091",
                "MAYFLY_FLUSH_TIMEOUT", "3s", "MAYFLY_URL", "http://m:9091", "MAYFLY_TOKEN", "t",
                "MAYFLY_BOOTSTRAP_SERVERS", "k:9092", "MAYFLY_SERIES_TTLL", "2h"), Map.of(), Map.of());
        // a typo in a service key still reaches the service's validation, which names it
        assertThat(raw).isEqualTo(Map.of("bootstrap.servers", "k:9092", "series.ttll", "2h"));
        assertThat(ConfigSources.load(null, Map.of(), Map.of("job", "x"), Map.of())).as("--set is never a client's")
                .containsEntry("job", "x");
    }

    @Test
    void flagsWinOverSetsWhichWinOverTheEnvironment() {
        Map<String, String> raw = ConfigSources.load(null, Map.of("MAYFLY_SERIES_TTL", "2h", "MAYFLY_DEDUP_HORIZON", "3h"),
                Map.of("series.ttl", "4h", "window.grace", "1s"), Map.of("window.grace", "2s"));
        assertThat(raw).containsEntry("series.ttl", "4h").containsEntry("dedup.horizon", "3h").containsEntry("window.grace", "2s");
    }
}
