package dev.mayfly.streams;

import dev.mayfly.schemas.config.ConfigException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamsAppConfigTest {
    @Test
    void defaultsAreExactlyOnceAndKafkaKeysPassThrough(@TempDir Path dir) {
        StreamsAppConfig config = StreamsAppConfig.from(Map.of("bootstrap.servers", "b:9092", "kafka.max.poll.records", "7",
                "state.dir", dir.toString()));
        Properties p = config.streamsProperties();
        assertThat(p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(p.get(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("mayfly-streams");
        assertThat(p.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)).isEqualTo("b:9092");
        assertThat(p.get("max.poll.records")).isEqualTo("7");
        assertThat(StreamsAppConfig.SETTINGS).extracting(s -> s.name()).contains("rules.file", "dedup.horizon", "topic.events");
    }

    @Test
    void theStreamThreadsFetchSeveralMegabytesPerPartitionUnlessOverridden(@TempDir Path dir) {
        String key = StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG);
        Properties defaults = StreamsAppConfig.from(Map.of("state.dir", dir.toString())).streamsProperties();
        assertThat(defaults.get(key)).isEqualTo(8 * 1024 * 1024);
        assertThat(new StreamsConfig(defaults).getMainConsumerConfigs("g", "c", 0))
                .as("what Kafka Streams gives the stream threads' consumer").containsEntry(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        Properties overridden = StreamsAppConfig.from(Map.of("state.dir", dir.toString(),
                "kafka." + key, "1048576")).streamsProperties();
        assertThat(overridden.get(key)).isEqualTo("1048576");
    }

    @Test
    void theInstanceIdForStaticMembershipIsKeptInTheStateDirectory(@TempDir Path dir) {
        String key = StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        Map<String, String> settings = Map.of("state.dir", dir.resolve("state").toString());
        Object first = StreamsAppConfig.from(settings).streamsProperties().get(key);
        assertThat(first).asString().startsWith("mayfly-streams-");
        assertThat(StreamsAppConfig.from(settings).streamsProperties().get(key)).as("a restart on the same state").isEqualTo(first);
        assertThat(StreamsAppConfig.from(Map.of("state.dir", dir.resolve("other").toString())).streamsProperties().get(key))
                .as("another state directory is another instance").isNotEqualTo(first);
        assertThat(StreamsAppConfig.from(Map.of("state.dir", dir.resolve("state").toString(), "application.id", "app-2"))
                .streamsProperties().get(key)).as("another application").isNotEqualTo(first);
        assertThat(StreamsAppConfig.from(Map.of("state.dir", dir.resolve("state").toString(), "instance.id", "pod-7"))
                .streamsProperties().get(key)).isEqualTo("pod-7");
    }

    @Test
    void exactlyOnceCannotBeTurnedOff() {
        assertThatThrownBy(() -> StreamsAppConfig.from(Map.of("kafka.processing.guarantee", "at_least_once")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'kafka.processing.guarantee'");
    }

    @Test
    void unknownKeysBadValuesAndBadRulesAreRejected(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> StreamsAppConfig.from(Map.of("dedup.horizn", "1h")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'dedup.horizn'");
        assertThatThrownBy(() -> StreamsAppConfig.from(Map.of("series.limit.per.task", "0"))).hasMessageContaining("series.limit.per.task");
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, "rules:\n  - match: a\n    colour: red\n");
        assertThatThrownBy(() -> StreamsAppConfig.from(Map.of("rules.file", rules.toString()))).hasMessageContaining("'colour'");
    }

    @Test
    void theTopologyNamesEveryStoreAndTheRepartitionTopic() {
        String description = MetricsTopology.build(StreamsAppConfig.from(Map.of())).describe().toString();
        assertThat(description).contains("series-updates-repartition", "event-ids", "ingest-pipeline-metrics", "series",
                "cumulative-streams", "windows", "aggregate-pipeline-metrics");
        assertThat(description).doesNotContain("KSTREAM-", "KTABLE-");
    }
}
