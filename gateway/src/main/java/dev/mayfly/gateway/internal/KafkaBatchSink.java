package dev.mayfly.gateway.internal;

import dev.mayfly.schemas.avro.MetricEventBatch;
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

/**
 * The {@link BatchSink} on the events topic: key = event id (UTF-8), value = the batch in the configured framing.
 * One idempotent producer with {@code acks=all}, batching by linger; every write completes within the ack timeout
 * ({@code delivery.timeout.ms} and {@code max.block.ms} are derived from it). Readiness: the topic was described by the
 * broker (a background probe, every second while not ready) and the last write did not fail.
 */
public final class KafkaBatchSink implements BatchSink {
    private static final Logger log = LoggerFactory.getLogger(KafkaBatchSink.class);

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final AvroCodec<MetricEventBatch> codec;
    private final Admin admin;
    private final Thread probe;
    private volatile boolean ready;
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
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "mayfly-gateway");
        config.putAll(overrides);
        return config;
    }

    @Override
    public CompletableFuture<Void> write(MetricEventBatch batch) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            byte[] key = batch.getEventId().getBytes(StandardCharsets.UTF_8);
            byte[] value = codec.encode(batch);
            producer.send(new ProducerRecord<>(topic, key, value), (metadata, error) -> {
                if (error == null) {
                    ready = true;
                    done.complete(null);
                } else {
                    done.completeExceptionally(failure(error));
                }
            });
        } catch (RuntimeException e) {
            done.completeExceptionally(failure(e));
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
            try {
                TimeUnit.SECONDS.sleep(1);
            } catch (InterruptedException e) {
                return;
            }
        }
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
