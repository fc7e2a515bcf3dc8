package dev.mayfly.gateway.internal;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.codec.AvroCodec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link BatchSink} on the events topic: key = event id (UTF-8), value = the batch in the configured framing.
 * One idempotent producer with {@code acks=all}, batching by linger; every write completes within the ack timeout
 * ({@code delivery.timeout.ms} and {@code max.block.ms} are derived from it). Readiness: the topic was described by the
 * broker (a background probe, every second while not ready) and the last write did not fail.
 *
 * <p>Writes without waiting ({@link #writesWithoutWaiting}) while ready: the producer's {@code send} waits only for
 * the topic's metadata, which the probe fetches first and keeps (it asks for it every second, so it never expires as
 * idle), or for buffer room, which it never lacks: at most {@link #MAX_QUEUED_BYTES} of records wait for their
 * acknowledgement (a write past that fails at once, UNAVAILABLE), a quarter of the producer's buffer; and a registry
 * framing's schema id, which the probe's first encoding fetched.
 */
public final class KafkaBatchSink implements BatchSink {
    private static final Logger log = LoggerFactory.getLogger(KafkaBatchSink.class);
    /** The producer's buffer; records waiting for acknowledgement are kept to a quarter of it (see the class comment). */
    static final long BUFFER_BYTES = 64L * 1024 * 1024;
    static final long MAX_QUEUED_BYTES = BUFFER_BYTES / 4;

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final AvroCodec<MetricEventBatch> codec;
    private final Admin admin;
    private final Thread probe;
    private final AtomicLong queuedBytes = new AtomicLong();
    private volatile boolean ready;
    /** The producer holds the topic's metadata and the codec its schema id: a send cannot wait for either. */
    private volatile boolean primed;
    private volatile boolean closed;

    public KafkaBatchSink(String bootstrapServers, Map<String, String> overrides, String topic,
                          AvroCodec<MetricEventBatch> codec, Duration ackTimeout) {
        this.topic = topic;
        this.codec = codec;
        this.producer = new KafkaProducer<>(producerConfig(bootstrapServers, overrides, ackTimeout),
                new ByteArraySerializer(), new ByteArraySerializer());
        Map<String, Object> adminConfig = new HashMap<>();
        producerConfig(bootstrapServers, overrides, ackTimeout).forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k)) {
                adminConfig.put(k, v);
            }
        });
        adminConfig.put(AdminClientConfig.CLIENT_ID_CONFIG, "mayfly-gateway-probe");
        this.admin = Admin.create(adminConfig);
        this.probe = new Thread(this::probeLoop, "mayfly-gateway-kafka-probe");
        this.probe.setDaemon(true);
        this.probe.start();
    }

    static Map<String, Object> producerConfig(String bootstrapServers, Map<String, String> overrides, Duration ackTimeout) {
        long timeout = Math.max(ackTimeout.toMillis(), 1000);
        long linger = 1;
        long request = Math.max(500, timeout - linger - 100);
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, linger);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        // pushes are small and each waits for its acknowledgement: compression cost more (broker CPU) than it saved here
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) request);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) (linger + request));
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout);
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, BUFFER_BYTES);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "mayfly-gateway");
        config.putAll(overrides);
        return config;
    }

    @Override
    public CompletableFuture<Void> write(MetricEventBatch batch) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        long size = 0;
        try {
            byte[] key = batch.getEventId().getBytes(StandardCharsets.UTF_8);
            byte[] value = codec.encode(batch);
            long bytes = key.length + value.length;
            long queued = queuedBytes.addAndGet(bytes);
            size = bytes;
            if (queued > MAX_QUEUED_BYTES && queued != bytes) { // one record alone always goes (Kafka judges its size)
                throw new SinkException(SinkException.Kind.UNAVAILABLE, "more than " + (MAX_QUEUED_BYTES >> 20)
                        + " MB of pushes are waiting for the events topic's acknowledgement", null);
            }
            producer.send(new ProducerRecord<>(topic, key, value), (metadata, error) -> {
                queuedBytes.addAndGet(-bytes);
                if (error == null) {
                    ready = true;
                    done.complete(null);
                } else {
                    done.completeExceptionally(failure(error));
                }
            });
        } catch (RuntimeException e) {
            queuedBytes.addAndGet(-size);
            done.completeExceptionally(e instanceof SinkException s ? s : failure(e));
        }
        return done;
    }

    private SinkException failure(Throwable error) {
        if (error instanceof RecordTooLargeException) {
            return new SinkException(SinkException.Kind.TOO_LARGE, "push is too large for the events topic: " + error.getMessage(), error);
        }
        if (ready) {
            log.warn("write to {} failed: {}", topic, error.toString());
        }
        ready = false;
        return new SinkException(SinkException.Kind.UNAVAILABLE, "events topic unavailable: " + error.getMessage(), error);
    }

    private void probeLoop() {
        while (!closed) {
            if (!ready) {
                try {
                    admin.describeTopics(List.of(topic)).allTopicNames().get(2, TimeUnit.SECONDS);
                    ready = true;
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    log.debug("events topic {} not reachable: {}", topic, e.toString());
                }
            }
            if (ready) {
                prime();
            }
            try {
                TimeUnit.SECONDS.sleep(1);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Has the producer hold the topic's metadata (asked every second, so it never expires) and the codec its schema id. */
    private void prime() {
        try {
            producer.partitionsFor(topic);
            if (!primed) {
                codec.encode(PRIMER);
                primed = true;
            }
        } catch (RuntimeException e) {
            log.debug("events topic {} metadata or schema not at hand: {}", topic, e.toString());
        }
    }

    private static final MetricEventBatch PRIMER = new MetricEventBatch("primer", new Source("primer", null, null, null),
            java.time.Instant.EPOCH, Operation.RECORD, Map.of(), List.of());

    @Override
    public boolean writesWithoutWaiting() {
        return primed && ready && !closed;
    }

    @Override
    public boolean isReady() {
        return ready && !closed;
    }

    @Override
    public void close() {
        closed = true;
        probe.interrupt();
        producer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(2));
    }
}
