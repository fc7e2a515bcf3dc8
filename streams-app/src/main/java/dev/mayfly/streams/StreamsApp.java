package dev.mayfly.streams;

import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    /**
     * Starts processing. A stream thread that fails (e.g. the schema registry is unreachable) is replaced and resumes
     * from the last commit; after {@value #MAX_REPLACEMENTS} failures in a row within a minute the app stops
     * (state ERROR: not ready, not healthy) rather than spin.
     */
    public void start() {
        streams.setUncaughtExceptionHandler(new ThreadReplacement());
        streams.start();
    }

    /** False once Kafka Streams is in ERROR (it stopped on an error it could not recover from). */
    public boolean isHealthy() {
        return streams.state() != KafkaStreams.State.ERROR;
    }

    private static final int MAX_REPLACEMENTS = 10;

    private static final class ThreadReplacement implements StreamsUncaughtExceptionHandler {
        private static final Logger LOG = LoggerFactory.getLogger(StreamsApp.class);
        private long windowStart;
        private int failures;

        @Override
        public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
            long now = System.currentTimeMillis();
            if (now - windowStart > 60_000) {
                windowStart = now;
                failures = 0;
            }
            if (++failures > MAX_REPLACEMENTS) {
                LOG.error("stream thread failed {} times within a minute; stopping", failures, exception);
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
            LOG.warn("stream thread failed; replacing it (it resumes from the last commit): {}", exception.toString());
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
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
