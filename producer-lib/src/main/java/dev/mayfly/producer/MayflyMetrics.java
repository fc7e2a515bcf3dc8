package dev.mayfly.producer;

import dev.mayfly.producer.internal.BatchSender;
import dev.mayfly.producer.internal.GatewayTransport;
import dev.mayfly.producer.internal.KafkaTransport;
import dev.mayfly.producer.internal.ProducerSettings;
import dev.mayfly.producer.internal.SharedFlush;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.schemas.validation.MetricValidator;
import dev.mayfly.schemas.validation.Violation;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Settings;
import dev.mayfly.schemas.registry.SchemaRegistryClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Prometheus metrics for a function: record counters, gauges and histograms during an invocation, then
 * {@link #flush()} sends them to Mayfly as one batch before the handler returns.
 *
 * <pre>{@code
 * import dev.mayfly.producer.Counter;
 * import dev.mayfly.producer.FlushException;
 * import dev.mayfly.producer.Histogram;
 * import dev.mayfly.producer.MayflyMetrics;
 *
 * public class CheckoutHandler {
 *     // Once per container: reused by every warm invocation (one Kafka producer).
 *     // Environment: MAYFLY_JOB=checkout, MAYFLY_BOOTSTRAP_SERVERS=broker:9092; optional MAYFLY_FLUSH_TIMEOUT=5s,
 *     // MAYFLY_SCHEMA_REGISTRY_URL, MAYFLY_KAFKA_SECURITY_PROTOCOL=SSL ... (function and region default to
 *     // AWS_LAMBDA_FUNCTION_NAME and AWS_REGION).
 *     private static final MayflyMetrics METRICS = MayflyMetrics.fromEnvironment();
 *     private static final Counter REQUESTS = METRICS.counter("requests_total")
 *             .help("Requests handled.").labelNames("route", "status").register();
 *     private static final Histogram DURATION = METRICS.histogram("request_duration_seconds")
 *             .help("Time to handle a request.").classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1, 2.5).register();
 *
 *     public String handle(String route) {
 *         long start = System.nanoTime();
 *         String status = "200";
 *         try {
 *             return "paid " + route;
 *         } catch (RuntimeException e) {
 *             status = "500";
 *             throw e;
 *         } finally {
 *             REQUESTS.labelValues(route, status).inc();
 *             DURATION.observe((System.nanoTime() - start) / 1e9);
 *             try {
 *                 METRICS.flush(); // blocks until Kafka acknowledges, at most the flush timeout
 *             } catch (FlushException e) {
 *                 // The batch is kept and resent (same event id, counted once) by the next invocation's flush.
 *                 System.err.println("metrics not sent yet: " + e.getMessage());
 *             }
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>What a flush reports: counters and histograms the increase since the previous flush (delta; a new series
 * reports 0 once), gauges their last value when set since the previous flush. Every series gets the labels
 * {@code job} (and {@code function}, {@code region} when known) from the configuration.
 *
 * <p>Configuration keys (environment: {@code MAYFLY_} + key in upper case, dots as underscores): {@code job}
 * (required), {@code function}, {@code region}, {@code flush.timeout} (default 5s), {@code bootstrap.servers},
 * {@code topic.events}, {@code schema.registry.url} (set: Confluent framing with that registry; empty: Avro
 * single-object encoding), {@code schema.registry.timeout}, and Kafka producer properties as {@code kafka.<property>}.
 * Or, instead of Kafka, {@code gateway.url} (e.g. {@code http://mayfly:9091}) and {@code gateway.token}: flush() then
 * posts each batch to the gateway's events API, which answers once Kafka acknowledged it (no Kafka client in the
 * function, one HTTP request per flush; the Kafka keys are then refused).
 * An unknown or malformed key is rejected with a one-line {@link ConfigException} naming it. The producer always uses
 * {@code enable.idempotence=true}, {@code acks=all}, and blocking and delivery timeouts equal to the flush timeout.
 *
 * <p>Thread-safe. A container that serves several invocations at once shares one instance: flushes called while
 * another is sending wait for it, then share the next send (one batch, one event id, for everything recorded by
 * then), and each returns once what its own thread recorded before the call is acknowledged. So concurrent
 * invocations cost about one batch per round trip to Kafka instead of one each, queued one after the other.
 */
public final class MayflyMetrics implements AutoCloseable {
    /** This container's instance id (diagnostic only, never a label). */
    static final String INSTANCE = UUID.randomUUID().toString();
    private static final int MAX_PENDING_BATCHES = 32;
    private static MayflyMetrics fromEnvironment;

    private final Registry registry;
    private final Source source;
    private final BatchSender sender;
    private final SharedFlush flushes;
    private final MetricValidator validator;

    MayflyMetrics(Settings settings, Supplier<Producer<byte[], byte[]>> producerFactory) {
        this.source = Source.newBuilder()
                .setJob(settings.get(ProducerSettings.JOB))
                .setFunction(blankToNull(settings.get(ProducerSettings.FUNCTION)))
                .setRegion(blankToNull(settings.get(ProducerSettings.REGION)))
                .setInstance(INSTANCE)
                .build();
        this.validator = CommonSettings.validator(settings);
        Violation badSource = validator.checkBatch(batch("config-check", Instant.EPOCH, List.of()));
        if (badSource != null) {
            throw new ConfigException("config keys job, function and region: " + badSource.detail());
        }
        this.registry = new Registry(validator, MetricValidator.seriesLabelCount(Map.of(), Map.of(), source));
        Duration timeout = settings.get(ProducerSettings.FLUSH_TIMEOUT);
        this.sender = new BatchSender(transport(settings, producerFactory, timeout), timeout, MAX_PENDING_BATCHES);
        this.flushes = new SharedFlush(timeout.toNanos());
    }

    /**
     * The container's metrics configured from environment variables ({@code MAYFLY_*}): created on the first call,
     * the same instance afterwards.
     *
     * @throws ConfigException when a variable is unknown or malformed, or {@code MAYFLY_JOB} is missing
     */
    public static synchronized MayflyMetrics fromEnvironment() {
        if (fromEnvironment == null) {
            fromEnvironment = fromConfig(ProducerSettings.fromEnvironment(System.getenv()));
        }
        return fromEnvironment;
    }

    /**
     * New metrics configured from {@code config} (keys as above, e.g. {@code job}, {@code bootstrap.servers},
     * {@code flush.timeout}); it creates its own Kafka producer on the first flush, so create it once per container.
     *
     * @throws ConfigException when a key is unknown or malformed, or {@code job} is missing
     */
    public static MayflyMetrics fromConfig(Map<String, String> config) {
        Settings settings = ProducerSettings.parse(config);
        Properties kafka = kafkaProperties(settings);
        return new MayflyMetrics(settings, () -> new KafkaProducer<>(kafka));
    }

    /** A counter to define: {@code counter("requests_total").help("...").labelNames("route").register()}. */
    public Counter.Builder counter(String name) {
        return new Counter.Builder(registry, name);
    }

    /** A gauge to define: {@code gauge("queue_depth").help("...").register()}. */
    public Gauge.Builder gauge(String name) {
        return new Gauge.Builder(registry, name);
    }

    /** A histogram to define: {@code histogram("duration_seconds").classicUpperBounds(0.1, 1).register()}. */
    public Histogram.Builder histogram(String name) {
        return new Histogram.Builder(registry, name);
    }

    /**
     * Sends what was recorded since the previous flush as one batch (with a new event id), after any batch a previous
     * flush could not deliver, and blocks until Kafka acknowledges them: at most the flush timeout (a flush that waited
     * behind another's send, and whose producer then cannot fetch metadata, up to about twice that). Nothing recorded,
     * nothing pending and no other flush sending: returns at once. Flushes of several threads at once share their
     * sends (see above); each throws what the send that took its records threw.
     *
     * @throws FlushException when a batch was not acknowledged within the timeout (broker down, registry down, ...):
     *     the message names its event id and the cause; it stays pending and the next flush resends it unchanged,
     *     unless {@link FlushException#dropped()} (refused for good); no event id when the flush gave up waiting for
     *     another flush of this instance
     * @throws IllegalArgumentException after sending the other points, when some broke a rule Mayfly would reject
     *     them for (the same validator the gateway and the streams app apply; e.g. a sum that overflowed): names the
     *     first metric and rule; those points are dropped (a flush that waited while they were sent gets it too:
     *     they may have been its thread's). When the send of the others failed as well, the {@code FlushException}
     *     is thrown and carries this one as a suppressed exception.
     */
    public void flush() throws FlushException {
        flushes.flush(this::collectAndSend);
    }

    /** One send of everything recorded so far, for the flushes that share it ({@link SharedFlush}). */
    private void collectAndSend(long deadlineNanos) throws FlushException {
        List<MetricPoint> points = registry.collect();
        String eventId = UUID.randomUUID().toString();
        Instant now = Instant.now();
        MetricEventBatch batch = points.isEmpty() ? null : batch(eventId, now, points);
        List<Violation> refused = new ArrayList<>();
        if (batch != null && validator.check(batch) != null) {
            List<MetricPoint> valid = new ArrayList<>();
            for (MetricPoint p : points) {
                Violation v = validator.check(batch(eventId, now, List.of(p)));
                if (v == null) {
                    valid.add(p);
                } else {
                    refused.add(v);
                }
            }
            batch = valid.isEmpty() ? null : batch(eventId, now, valid);
        }
        IllegalArgumentException refusal = refused.isEmpty() ? null : new IllegalArgumentException(refused.size()
                + (refused.size() == 1 ? " point was" : " points were") + " not sent because Mayfly would reject "
                + (refused.size() == 1 ? "it" : "them") + ": " + refused.get(0).detail());
        try {
            sender.send(batch, deadlineNanos);
        } catch (FlushException e) {
            if (refusal != null) {
                e.addSuppressed(refusal); // the refused points are gone whatever becomes of the batch
            }
            throw e;
        }
        if (refusal != null) {
            throw refusal;
        }
    }

    private MetricEventBatch batch(String eventId, Instant emitTime, List<MetricPoint> points) {
        return MetricEventBatch.newBuilder()
                .setEventId(eventId)
                .setSource(source)
                .setEmitTime(emitTime)
                .setOperation(Operation.RECORD)
                .setGroupingLabels(Map.of())
                .setPoints(points)
                .build();
    }

    /** Closes the Kafka producer (waiting at most the flush timeout). Only for code that stops before its container does. */
    @Override
    public void close() {
        sender.close();
    }

    BatchSender sender() {
        return sender;
    }

    /** The Kafka producer properties: {@code kafka.*} overrides, then what flush() relies on. */
    static Properties kafkaProperties(Settings settings) {
        Map<String, Object> props = new HashMap<>(settings.withPrefix(CommonSettings.KAFKA_PREFIX));
        String timeoutMs = String.valueOf(settings.get(ProducerSettings.FLUSH_TIMEOUT).toMillis());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.get(CommonSettings.BOOTSTRAP_SERVERS));
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "mayfly-" + settings.get(ProducerSettings.JOB) + "-" + INSTANCE.substring(0, 8));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeoutMs);
        Properties properties = new Properties();
        properties.putAll(props);
        return properties;
    }

    /** The gateway's events API when {@code gateway.url} is set, else Kafka. */
    private static BatchSender.Transport transport(Settings settings, Supplier<Producer<byte[], byte[]>> producerFactory, Duration timeout) {
        String gateway = settings.get(ProducerSettings.GATEWAY_URL);
        if (!gateway.isEmpty()) {
            return new GatewayTransport(ProducerSettings.gatewayEventsUrl(gateway), settings.get(ProducerSettings.GATEWAY_TOKEN));
        }
        String topic = settings.get(CommonSettings.EVENTS_TOPIC);
        return new KafkaTransport(producerFactory, MayflyCodecs.events(registry(settings, timeout), topic), topic);
    }

    private static SchemaRegistryClient registry(Settings settings, Duration flushTimeout) {
        String url = settings.get(CommonSettings.SCHEMA_REGISTRY_URL);
        if (url.isBlank()) {
            return null;
        }
        Duration registryTimeout = settings.get(CommonSettings.SCHEMA_REGISTRY_TIMEOUT);
        try {
            return new SchemaRegistryClient(url, registryTimeout.compareTo(flushTimeout) < 0 ? registryTimeout : flushTimeout);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("config key 'schema.registry.url': " + e.getMessage());
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
