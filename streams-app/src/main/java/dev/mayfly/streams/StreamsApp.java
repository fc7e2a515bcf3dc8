package dev.mayfly.streams;

import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;

import java.time.Duration;

/**
 * The running pipeline: the {@link MetricsTopology} under exactly_once_v2. The topics must exist
 * ({@code TopicSetup.ensure}). {@link #isReady()} is true while Kafka Streams is RUNNING.
 */
public final class StreamsApp implements AutoCloseable {
    private final Topology topology;
    private final KafkaStreams streams;

    private StreamsApp(Topology topology, KafkaStreams streams) {
        this.topology = topology;
        this.streams = streams;
    }

    public static StreamsApp create(StreamsAppConfig config) {
        Topology topology = MetricsTopology.build(config);
        return new StreamsApp(topology, new KafkaStreams(topology, config.streamsProperties()));
    }

    public void start() {
        streams.start();
    }

    public boolean isReady() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    public Topology topology() {
        return topology;
    }

    /** Leaves the consumer group on close, so a restart with the same application id is fast. */
    @Override
    public void close() {
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
    }
}
