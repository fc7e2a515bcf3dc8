package dev.mayfly.kafka;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedKafkaTest {
    @Test
    void threadsFollowTheCoresUpToKafkasDefaults() {
        assertThat(List.of(EmbeddedKafka.ioThreads(1), EmbeddedKafka.ioThreads(2), EmbeddedKafka.ioThreads(4), EmbeddedKafka.ioThreads(64)))
                .containsExactly(2, 2, 4, 8);
        assertThat(List.of(EmbeddedKafka.networkThreads(1), EmbeddedKafka.networkThreads(2), EmbeddedKafka.networkThreads(4), EmbeddedKafka.networkThreads(64)))
                .containsExactly(1, 1, 2, 3);
    }
}
