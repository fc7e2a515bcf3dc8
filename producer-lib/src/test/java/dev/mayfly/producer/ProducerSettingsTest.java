package dev.mayfly.producer;

import dev.mayfly.producer.internal.ProducerSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Settings;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProducerSettingsTest {

    @Test
    void environmentVariablesAndLambdasOwnVariablesMapToKeys() {
        Map<String, String> config = ProducerSettings.fromEnvironment(Map.of(
                "MAYFLY_JOB", "checkout",
                "MAYFLY_BOOTSTRAP_SERVERS", "broker:9092",
                "MAYFLY_FLUSH_TIMEOUT", "2s",
                "MAYFLY_SCHEMA_REGISTRY_URL", "http://registry:8081/apis/ccompat/v7",
                "MAYFLY_KAFKA_SECURITY_PROTOCOL", "SSL",
                "AWS_LAMBDA_FUNCTION_NAME", "pay",
                "AWS_REGION", "eu-west-1",
                "HOME", "/root"));

        Settings settings = ProducerSettings.parse(config);

        assertThat(settings.get(ProducerSettings.JOB)).isEqualTo("checkout");
        assertThat(settings.get(ProducerSettings.FUNCTION)).isEqualTo("pay");
        assertThat(settings.get(ProducerSettings.REGION)).isEqualTo("eu-west-1");
        assertThat(settings.get(ProducerSettings.FLUSH_TIMEOUT)).isEqualTo(Duration.ofSeconds(2));
        assertThat(settings.withPrefix("kafka.")).containsEntry("security.protocol", "SSL");
    }

    @Test
    void explicitFunctionAndRegionWinOverLambdasVariables() {
        Map<String, String> config = ProducerSettings.fromEnvironment(Map.of(
                "MAYFLY_JOB", "j", "MAYFLY_FUNCTION", "mine", "MAYFLY_REGION", "here",
                "AWS_LAMBDA_FUNCTION_NAME", "theirs", "AWS_REGION", "there"));

        assertThat(config).containsEntry("function", "mine").containsEntry("region", "here");
    }

    @Test
    void anUnknownVariableIsRejectedWithOneLineNamingIt() {
        Map<String, String> config = ProducerSettings.fromEnvironment(Map.of("MAYFLY_JOB", "j", "MAYFLY_FLUSH_TIMOUT", "2s"));

        assertThatThrownBy(() -> ProducerSettings.parse(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("unknown config key 'flush.timout'; known keys: ")
                .hasMessageContaining("flush.timeout")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThatThrownBy(() -> MayflyMetrics.fromConfig(Map.of("job", "j", "bootstrap", "b:1")))
                .hasMessageStartingWith("unknown config key 'bootstrap'");
    }

    @Test
    void malformedOrMissingValuesAreRejectedNamingTheKey() {
        assertThatThrownBy(() -> ProducerSettings.parse(Map.of("job", "j", "flush.timeout", "5")))
                .hasMessage("config key 'flush.timeout' must be a duration such as 500ms, 30s, 5m, 24h, got '5'");
        assertThatThrownBy(() -> ProducerSettings.parse(Map.of("job", "j", "flush.timeout", "0s")))
                .hasMessageStartingWith("config key 'flush.timeout' must be between");
        assertThatThrownBy(() -> ProducerSettings.parse(Map.of("bootstrap.servers", "b:1")))
                .hasMessageStartingWith("config key 'job' is required");
        assertThatThrownBy(() -> MayflyMetrics.fromConfig(Map.of("job", "j", "schema.registry.url", "registry:8081")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("config key 'schema.registry.url'");
    }

    @Test
    void theProducerIsIdempotentWithAcksAllAndTimeoutsFromTheFlushTimeout() {
        Settings settings = ProducerSettings.parse(Map.of("job", "j", "bootstrap.servers", "localhost:1", "flush.timeout", "1500ms",
                "kafka.acks", "1", "kafka.compression.type", "lz4"));

        Properties props = MayflyMetrics.kafkaProperties(settings);

        assertThat(props).containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:1")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true")
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, "1500")
                .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "1500")
                .containsEntry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "1500")
                .containsEntry("compression.type", "lz4");
        new KafkaProducer<byte[], byte[]>(props).close(Duration.ZERO); // Kafka accepts the combination
    }

    @Test
    void gatewayUrlSelectsTheHttpTransportAndExcludesTheKafkaKeys() {
        Settings settings = ProducerSettings.parse(Map.of("job", "j", "gateway.url", "http://mayfly:9091/", "gateway.token", "t"));
        assertThat(ProducerSettings.gatewayEventsUrl(settings.get(ProducerSettings.GATEWAY_URL))).hasToString("http://mayfly:9091/v1/events");

        assertThatThrownBy(() -> ProducerSettings.parse(Map.of("job", "j", "gateway.url", "http://mayfly:9091", "bootstrap.servers", "b:9092")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config key 'bootstrap.servers' is for writing to Kafka, but 'gateway.url' is set: batches go to the gateway; set one of the two");
        assertThatThrownBy(() -> ProducerSettings.parse(Map.of("job", "j", "gateway.url", "http://mayfly:9091", "kafka.acks", "1")))
                .hasMessageStartingWith("config key 'kafka.acks' is for writing to Kafka");
        assertThatThrownBy(() -> ProducerSettings.parse(Map.of("job", "j", "gateway.url", "mayfly:9091")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config key 'gateway.url' must be the gateway's URL, such as http://mayfly:9091, got 'mayfly:9091'");
        assertThatThrownBy(() -> ProducerSettings.parse(Map.of("job", "j", "gateway.url", "http://mayfly:9091?x=1")))
                .hasMessageStartingWith("config key 'gateway.url' must be the gateway's URL");
        assertThatThrownBy(() -> ProducerSettings.parse(Map.of("job", "j", "gateway.token", "t")))
                .hasMessage("config key 'gateway.token' needs 'gateway.url'");
    }
}
