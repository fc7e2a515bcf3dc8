package dev.mayfly.schemas.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsTest {
    private static final Setting<Integer> PARTITIONS = Setting.integer("partitions", 6, "Partitions");
    private static final Setting<String> JOB = Setting.string("job", null, "Job name").required();
    private static final List<Setting<?>> KNOWN = known();

    private static List<Setting<?>> known() {
        List<Setting<?>> all = new ArrayList<>(CommonSettings.ALL);
        all.add(PARTITIONS);
        all.add(JOB);
        return all;
    }

    @Test
    void knownKeysAreParsedAndMissingOnesDefault() {
        Settings settings = Settings.parse(Map.of("job", "checkout", "partitions", " 12 ", "schema.registry.timeout", "750ms"), KNOWN, "kafka.");

        assertThat(settings.get(JOB)).isEqualTo("checkout");
        assertThat(settings.get(PARTITIONS)).isEqualTo(12);
        assertThat(settings.get(CommonSettings.SCHEMA_REGISTRY_TIMEOUT)).isEqualTo(Duration.ofMillis(750));
        assertThat(settings.get(CommonSettings.BOOTSTRAP_SERVERS)).isEqualTo("localhost:9092");
        assertThat(settings.isSet(PARTITIONS)).isTrue();
        assertThat(settings.isSet(CommonSettings.BOOTSTRAP_SERVERS)).isFalse();
        assertThat(CommonSettings.registry(settings)).as("no registry URL: single-object encoding").isNull();
    }

    @Test
    void anUnknownKeyIsRejectedWithOneLineNamingIt() {
        assertThatThrownBy(() -> Settings.parse(Map.of("job", "j", "bootstrap.server", "x:1"), KNOWN, "kafka."))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("unknown config key 'bootstrap.server'")
                .hasMessageContaining("bootstrap.servers")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void passThroughKeysAreKeptAsText() {
        Settings settings = Settings.parse(Map.of("job", "j", "kafka.security.protocol", "SSL", "kafka.linger.ms", "5"), KNOWN, "kafka.");

        assertThat(settings.withPrefix("kafka.")).containsOnly(Map.entry("security.protocol", "SSL"), Map.entry("linger.ms", "5"));
    }

    @Test
    void aMalformedDurationIsRejectedNamingKeyAndValue() {
        for (String bad : new String[]{"5", "5 s", "five seconds", "-1s", "5sec", ""}) {
            assertThatThrownBy(() -> Settings.parse(Map.of("job", "j", "schema.registry.timeout", bad), KNOWN))
                    .as(bad).isInstanceOf(ConfigException.class)
                    .hasMessage("config key 'schema.registry.timeout' must be a duration such as 500ms, 30s, 5m, 24h, got '" + bad + "'");
        }
    }

    @Test
    void durationsTakeTheseUnits() {
        assertThat(Setting.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Setting.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Setting.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Setting.parseDuration("24h")).isEqualTo(Duration.ofHours(24));
        assertThat(Setting.parseDuration("7d")).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void aMalformedIntegerIsRejectedNamingKeyAndValue() {
        assertThatThrownBy(() -> Settings.parse(Map.of("job", "j", "partitions", "six"), KNOWN))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config key 'partitions' must be an integer, got 'six'");
        assertThatThrownBy(() -> Settings.parse(Map.of("job", "j", "partitions", "99999999999"), KNOWN))
                .hasMessageContaining("'partitions'");
    }

    @Test
    void aMissingRequiredKeyIsRejectedNamingIt() {
        assertThatThrownBy(() -> Settings.parse(Map.of(), KNOWN))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config key 'job' is required: Job name");
    }

    @Test
    void aKeyWithoutValueIsRejectedNamingIt() {
        Map<String, String> raw = new HashMap<>();
        raw.put("job", "j");
        raw.put("kafka.acks", null);

        assertThatThrownBy(() -> Settings.parse(raw, KNOWN, "kafka."))
                .isInstanceOf(ConfigException.class).hasMessage("config key 'kafka.acks' has no value");
    }

    @Test
    void environmentVariablesMapToKeys() {
        Map<String, String> env = Map.of(
                "MAYFLY_BOOTSTRAP_SERVERS", "broker:9092",
                "MAYFLY_SCHEMA_REGISTRY_URL", "http://registry:8081",
                "MAYFLY_TOPIC_DEAD_LETTER", "dl",
                "MAYFLY_KAFKA_SECURITY_PROTOCOL", "SSL",
                "MAYFLY_KAFKA_SASL__MECHANISM__X", "v",
                "PATH", "/bin",
                "AWS_REGION", "eu-west-1");

        Map<String, String> keys = Settings.fromEnvironment(env, "MAYFLY_");

        assertThat(keys).containsOnly(
                Map.entry("bootstrap.servers", "broker:9092"),
                Map.entry("schema.registry.url", "http://registry:8081"),
                Map.entry("topic.dead.letter", "dl"),
                Map.entry("kafka.security.protocol", "SSL"),
                Map.entry("kafka.sasl_mechanism_x", "v"));
        Settings settings = Settings.parse(keys, CommonSettings.ALL, CommonSettings.KAFKA_PREFIX);
        assertThat(settings.get(CommonSettings.DEAD_LETTER_TOPIC)).isEqualTo("dl");
        assertThat(CommonSettings.registry(settings)).isNotNull();
    }

    @Test
    void anUnknownEnvironmentVariableIsRejectedNamingItsKey() {
        Map<String, String> keys = Settings.fromEnvironment(Map.of("MAYFLY_BOOTSTRAP_SERVRS", "b:1"), "MAYFLY_");

        assertThatThrownBy(() -> Settings.parse(keys, CommonSettings.ALL, CommonSettings.KAFKA_PREFIX))
                .hasMessageStartingWith("unknown config key 'bootstrap.servrs'");
    }
}
