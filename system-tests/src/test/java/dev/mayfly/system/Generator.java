package dev.mayfly.system;

import dev.mayfly.producer.Counter;
import dev.mayfly.producer.FlushException;
import dev.mayfly.producer.MayflyMetrics;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;
import dev.mayfly.schemas.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Publishes known increments while faults happen, and records in {@link Truth} only what was acknowledged:
 * the producer library's flushes (a failed flush is resent by the next one with the same event id), raw batches written straight to the events topic (as a data team's replay or a Kafka client would), gateway
 * pushes over HTTP with an Idempotency-Key, and deliberate re-sends of already acknowledged batches and pushes.
 * Also writes poison (garbage bytes and invalid batches) and remembers each poison record's key.
 * Every send is retried with the SAME event id until acknowledged, as a well-behaved client does.
 */
final class Generator implements Runnable {
    static final String RAW_JOB = "fault-raw";
    static final String GATEWAY_JOB = "fault-gw";
    static final String LIBRARY_JOB = "fault-lib";
    static final int SERIES = 20;

    private final String bootstrap;
    private final String gatewayUrl;
    private final Truth truth;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Random random = new Random(42);
    private final AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(null, Topics.EVENTS);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    final Set<String> poisonKeys = ConcurrentHashMap.newKeySet();
    final Map<String, byte[]> garbage = new ConcurrentHashMap<>();
    final AtomicInteger rounds = new AtomicInteger();
    final AtomicInteger retriesSent = new AtomicInteger();
    volatile Throwable failure;

    Generator(String bootstrap, String gatewayUrl, Truth truth) {
        this.bootstrap = bootstrap;
        this.gatewayUrl = gatewayUrl;
        this.truth = truth;
    }

    void stop() {
        stop.set(true);
    }

    @Override
    public void run() {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000), new ByteArraySerializer(), new ByteArraySerializer())) {
            MayflyMetrics library = MayflyMetrics.fromConfig(Map.of("bootstrap.servers", bootstrap, "job", LIBRARY_JOB, "flush.timeout", "5s"));
            Counter libraryOps = library.counter("fault_lib_ops_total").help("Operations counted by the producer library.").labelNames("series").register();
            Map<String, Long> unacknowledged = new java.util.HashMap<>();
            List<ProducerRecord<byte[], byte[]>> acknowledgedRaw = new ArrayList<>();
            List<String[]> acknowledgedPushes = new ArrayList<>();
            for (int round = 0; !stop.get(); round++) {
                // a raw batch of delta increments over a few series
                String eventId = "raw-" + round;
                Map<String, Long> increments = new java.util.TreeMap<>();
                List<MetricPoint> points = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    String series = String.valueOf(random.nextInt(SERIES));
                    long inc = 1 + random.nextInt(5);
                    increments.merge(series, inc, Long::sum);
                    points.add(counter("fault_raw_ops_total", series, inc));
                }
                ProducerRecord<byte[], byte[]> record = record(eventId, batch(eventId, RAW_JOB, points));
                sendUntilAcknowledged(producer, record);
                increments.forEach((series, inc) -> truth.acknowledged(sample("fault_raw_ops_total", RAW_JOB, series), inc));
                acknowledgedRaw.add(record);

                // a gateway push with an Idempotency-Key
                String series = String.valueOf(random.nextInt(SERIES));
                long inc = 1 + random.nextInt(5);
                String body = "# TYPE fault_gw_ops_total counter\nfault_gw_ops_total{series=\"" + series + "\"} " + inc + "\n";
                String key = "gw-" + round;
                pushUntilAcknowledged(key, body);
                truth.acknowledged(sample("fault_gw_ops_total", GATEWAY_JOB, series), inc);
                acknowledgedPushes.add(new String[]{key, body});

                // deliberate retries of already acknowledged batches and pushes: must count zero more times
                if (round % 4 == 3) {
                    sendUntilAcknowledged(producer, acknowledgedRaw.get(random.nextInt(acknowledgedRaw.size())));
                    String[] push = acknowledgedPushes.get(random.nextInt(acknowledgedPushes.size()));
                    pushUntilAcknowledged(push[0], push[1]);
                    retriesSent.addAndGet(2);
                }
                // poison straight into the events topic
                if (round % 10 == 5) {
                    byte[] junk = new byte[8 + random.nextInt(40)];
                    random.nextBytes(junk);
                    junk[0] = (byte) 0x7f;
                    String junkKey = "garbage-" + round;
                    sendUntilAcknowledged(producer, new ProducerRecord<>(Topics.EVENTS, junkKey.getBytes(StandardCharsets.UTF_8), junk));
                    garbage.put(junkKey, junk);
                    poisonKeys.add(junkKey);
                    String invalidId = "invalid-" + round;
                    MetricPoint negative = counter("fault_raw_ops_total", "0", 1);
                    negative.setValue(-5.0);
                    sendUntilAcknowledged(producer, record(invalidId, batch(invalidId, RAW_JOB, List.of(negative))));
                    poisonKeys.add(invalidId);
                }
                // the producer library: one flush per invocation; what a failed flush held is resent by the next
                String librarySeries = String.valueOf(random.nextInt(SERIES));
                long libraryIncrement = 1 + random.nextInt(5);
                libraryOps.labelValues(librarySeries).inc(libraryIncrement);
                unacknowledged.merge(librarySeries, libraryIncrement, Long::sum);
                if (flushed(library)) {
                    unacknowledged.forEach((k, v) -> truth.acknowledged(sample("fault_lib_ops_total", LIBRARY_JOB, k), v));
                    unacknowledged.clear();
                }
                rounds.incrementAndGet();
                Thread.sleep(20);
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!flushed(library)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("producer library could not flush within 2 minutes");
                }
                Thread.sleep(200);
            }
            unacknowledged.forEach((k, v) -> truth.acknowledged(sample("fault_lib_ops_total", LIBRARY_JOB, k), v));
            library.close();
        } catch (Throwable t) {
            failure = t;
        }
    }

    private static boolean flushed(MayflyMetrics library) {
        try {
            library.flush();
            return true;
        } catch (FlushException e) {
            return false;
        }
    }

    static String sample(String name, String job, String series) {
        return name + "{job=\"" + job + "\",series=\"" + series + "\"}";
    }

    private ProducerRecord<byte[], byte[]> record(String eventId, MetricEventBatch batch) {
        return new ProducerRecord<>(Topics.EVENTS, eventId.getBytes(StandardCharsets.UTF_8), codec.encode(batch));
    }

    private static MetricEventBatch batch(String eventId, String job, List<MetricPoint> points) {
        return MetricEventBatch.newBuilder()
                .setEventId(eventId)
                .setSource(Source.newBuilder().setJob(job).build())
                .setEmitTime(Instant.now())
                .setPoints(points)
                .build();
    }

    private static MetricPoint counter(String name, String series, long increment) {
        return MetricPoint.newBuilder().setName(name).setType(MetricType.COUNTER).setLabels(Map.of("series", series))
                .setValue(increment).setTemporality(Temporality.DELTA).build();
    }

    private void sendUntilAcknowledged(KafkaProducer<byte[], byte[]> producer, ProducerRecord<byte[], byte[]> record) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            try {
                producer.send(record).get();
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("raw send not acknowledged within 2 minutes", e);
                }
                Thread.sleep(200);
            }
        }
    }

    private void pushUntilAcknowledged(String idempotencyKey, String body) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        HttpRequest request = HttpRequest.newBuilder(URI.create(gatewayUrl + "/metrics/job/" + GATEWAY_JOB))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "text/plain; version=0.0.4")
                .header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        int last = -1;
        while (System.nanoTime() < deadline) {
            try {
                last = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (last / 100 == 2) {
                    return;
                }
            } catch (java.io.IOException e) {
                last = -1;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("push " + idempotencyKey + " not acknowledged within 2 minutes (last status " + last + ")");
    }
}
