package dev.mayfly.gateway.internal;

import dev.mayfly.schemas.Topics;
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
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@link BatchSink} on the events topic: key = event id (UTF-8), value = the batch in the configured framing.
 * A group delete is written once to every partition, in one transaction ({@link DeleteCopiesWriter}). While nothing
 * is written, a tick about every second ({@link #tickIfIdle}).
 * One idempotent producer with {@code acks=all}, batching by linger; every write completes within the ack timeout
 * ({@code delivery.timeout.ms} is derived from it). Readiness: the topic was described by the broker (a background
 * probe, every 100 ms while not ready), the producer holds its metadata, and the last write did not fail.
 *
 * <p>A write never waits for Kafka: the producer's {@code max.block.ms} is 0, so a send that would wait for the topic's
 * metadata (the broker is gone and took it) or for buffer room fails at once (503) instead. The probe asks the producer
 * for the topic's partitions every second, so the metadata is at hand (ready requires it) and never expires as idle.
 * The codec's only wait, a registry framing's schema id, is done by the probe's first encoding; from then on
 * {@link #writesWithoutWaiting} (unless {@code kafka.max.block.ms} was set above 0).
 */
public final class KafkaBatchSink implements BatchSink {
    private static final Logger log = LoggerFactory.getLogger(KafkaBatchSink.class);

    /** The header of a record whose event id the gateway made for it alone (each record copies it into its own). */
    private static final List<Header> UNIQUE_ID = List.of(new RecordHeader(Topics.HEADER_UNIQUE_EVENT_ID, new byte[]{'1'}));
    /** The headers of a tick: time only, under an id no other record has. */
    private static final List<Header> TICK = List.of(new RecordHeader(Topics.HEADER_TICK, new byte[]{'1'}),
            new RecordHeader(Topics.HEADER_UNIQUE_EVENT_ID, new byte[]{'1'}));
    /** The job a tick names (it is no job's push: the engine neither counts nor dates it). */
    static final String TICK_JOB = "mayfly-gateway-tick";
    /** A tick is written when nothing was for this long. */
    static final long TICK_AFTER_IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final AvroCodec<MetricEventBatch> codec;
    private final Admin admin;
    private final Thread probe;
    private final DeleteCopiesWriter deletes;
    /**
     * The producer is idempotent (unless overridden): it never writes a record twice, so an id made for one record is
     * on one record only, and may be marked so.
     */
    private final boolean idempotent;
    /** {@code max.block.ms} is 0 (unless overridden): a send fails rather than waits. */
    private final boolean sendsNeverWait;
    private volatile boolean ready;
    /** The probe's last ask found the topic's metadata at hand. */
    private volatile boolean primed;
    /** The codec holds its schema id (a registry framing fetches it on the first encoding). */
    private volatile boolean schemaPrimed;
    private volatile boolean closed;
    private final boolean idleTicks;
    /** When the last record was handed to the producer ({@link System#nanoTime}). */
    private volatile long lastWriteNanos = System.nanoTime();

    public KafkaBatchSink(String bootstrapServers, Map<String, String> overrides, String topic,
                          AvroCodec<MetricEventBatch> codec, Duration ackTimeout) {
        this(bootstrapServers, overrides, topic, codec, ackTimeout, true);
    }

    /** @param idleTicks whether to write a tick while nothing is written ({@link #tickIfIdle}) */
    public KafkaBatchSink(String bootstrapServers, Map<String, String> overrides, String topic,
                          AvroCodec<MetricEventBatch> codec, Duration ackTimeout, boolean idleTicks) {
        this.idleTicks = idleTicks;
        this.topic = topic;
        this.codec = codec;
        Map<String, Object> config = producerConfig(bootstrapServers, overrides, ackTimeout);
        this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        this.deletes = new DeleteCopiesWriter(config, topic, codec, ackTimeout);
        this.idempotent = Boolean.parseBoolean(String.valueOf(config.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG)).trim());
        this.sendsNeverWait = Long.parseLong(String.valueOf(config.get(ProducerConfig.MAX_BLOCK_MS_CONFIG)).trim()) == 0;
        Map<String, Object> adminConfig = new HashMap<>();
        config.forEach((k, v) -> {
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
        // a send never waits for metadata or buffer room: it fails at once (503), so no caller, an event loop least of
        // all, is held; the probe keeps the topic's metadata at hand
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 0);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "mayfly-gateway");
        config.putAll(overrides);
        return config;
    }

    @Override
    public CompletableFuture<Void> write(MetricEventBatch batch, boolean uniqueId) {
        if (batch.getOperation() == Operation.DELETE_GROUP) {
            // a failed delete says nothing of the push path (its own producer, transactions, ACLs): readiness stays
            return deletes.write(batch).handle((ok, error) -> { // the writer fails its futures with the cause itself
                if (error != null) {
                    log.warn("delete of job {} not written: {}", batch.getSource().getJob(), error.toString());
                    throw new SinkException(SinkException.Kind.UNAVAILABLE, "the delete was not written to the events topic: "
                            + error.getMessage(), error);
                }
                return null;
            });
        }
        return send(batch, null, uniqueId && idempotent ? UNIQUE_ID : null);
    }

    /** @param timestamp the record's timestamp, or null: the producer's clock when it sends */
    private CompletableFuture<Void> send(MetricEventBatch batch, Long timestamp, List<Header> headers) {
        lastWriteNanos = System.nanoTime();
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            byte[] key = batch.getEventId().getBytes(StandardCharsets.UTF_8);
            byte[] value = codec.encode(batch);
            producer.send(new ProducerRecord<>(topic, null, timestamp, key, value, headers), (metadata, error) -> {
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
            prime();
            tickIfIdle();
            try {
                TimeUnit.MILLISECONDS.sleep(ready && primed ? 1_000 : 100); // the metadata asked for arrives in a moment
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Asks the producer for the topic's partitions (answered from its metadata when at hand, else it fetches them;
     * asked every second, they never expire as idle) and, once, has the codec fetch its schema id.
     */
    private void prime() {
        try {
            if (!schemaPrimed) {
                codec.encode(PRIMER);
                schemaPrimed = true;
            }
        } catch (RuntimeException e) {
            log.debug("events topic {} schema not at hand: {}", topic, e.toString());
        }
        try {
            producer.partitionsFor(topic);
            primed = true;
        } catch (RuntimeException e) {
            primed = false;
            log.debug("events topic {} metadata not at hand: {}", topic, e.toString());
        }
    }

    /**
     * While no push arrives, writes a tick about every second: an events record without points, headed
     * {@link Topics#HEADER_TICK}, whose timestamp tells the engine the time, so it expires idle series and closes
     * windows while nothing is pushed (the engine's clock is the events' own time, which only records move).
     */
    private void tickIfIdle() {
        if (!idleTicks || !isReady() || System.nanoTime() - lastWriteNanos < TICK_AFTER_IDLE_NANOS) {
            return;
        }
        Instant now = Instant.now();
        send(new MetricEventBatch("tick-" + UUID.randomUUID(), new Source(TICK_JOB, null, null, null), now,
                Operation.RECORD, Map.of(), List.of()), now.toEpochMilli(), TICK);
    }

    private static final MetricEventBatch PRIMER = new MetricEventBatch("primer", new Source("primer", null, null, null),
            java.time.Instant.EPOCH, Operation.RECORD, Map.of(), List.of());

    @Override
    public boolean writesWithoutWaiting() {
        return sendsNeverWait && schemaPrimed && !closed;
    }

    @Override
    public boolean isReady() {
        return ready && primed && !closed;
    }

    @Override
    public void close() {
        closed = true;
        probe.interrupt();
        deletes.close();
        producer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(2));
    }
}
