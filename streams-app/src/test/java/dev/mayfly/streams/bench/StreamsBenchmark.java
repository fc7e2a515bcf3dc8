package dev.mayfly.streams.bench;

import dev.mayfly.kafka.EmbeddedKafka;
import dev.mayfly.schemas.TopicSetup;
import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.streams.StreamsApp;
import dev.mayfly.streams.StreamsAppConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Points per second aggregated end to end through the real topology, on an in-process broker, exactly_once_v2.
 * The events are produced first; the clock runs from {@code start()} until the application's committed offsets
 * reach the end of the events topic and of the series-updates repartition topic.
 *
 * <p>Arguments: batches, points per batch, distinct series per batch (points of a batch cycle over them),
 * partitions, stream threads, extra labels per series (beyond route and code), groups (the batches cycle over this
 * many values of the {@code function} label, so each group has its own series). Default: 4000 1000 50 4 1 0 20.
 * Small-batch shapes: {@code 60000 12 12 4 1 0 1} is a fleet (every batch touches the same 12 series),
 * {@code 60000 12 12 4 1 0 1000} the same batch over 1000 groups.
 */
public final class StreamsBenchmark {
    public static void main(String[] args) throws Exception {
        int batches = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
        int pointsPerBatch = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int seriesPerBatch = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        int partitions = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        int extraLabels = args.length > 5 ? Integer.parseInt(args[5]) : 0; // labels per series beyond route and code
        int groups = args.length > 6 ? Integer.parseInt(args[6]) : 20;
        Path dir = Files.createTempDirectory("mayfly-bench");
        try (EmbeddedKafka kafka = EmbeddedKafka.on(dir.resolve("kafka"), 0).start()) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                TopicSetup.ensureDefaults(admin, partitions, (short) 1);
                produce(kafka.bootstrapServers(), batches, pointsPerBatch, seriesPerBatch, extraLabels, groups);
                Map<String, String> settings = new HashMap<>();
                settings.put("bootstrap.servers", kafka.bootstrapServers());
                settings.put("num.stream.threads", String.valueOf(threads));
                settings.put("state.dir", dir.resolve("state").toString());
                for (String extra : System.getProperty("bench.settings", "").split(",")) {
                    if (extra.contains("=")) {
                        settings.put(extra.substring(0, extra.indexOf('=')), extra.substring(extra.indexOf('=') + 1));
                    }
                }
                try (StreamsApp app = StreamsApp.create(StreamsAppConfig.from(settings))) {
                    long start = System.nanoTime();
                    app.start();
                    while (!app.isReady()) {
                        Thread.sleep(10);
                    }
                    long running = System.nanoTime();
                    // warm-up: the JIT compiles the broker, client, Streams and Avro code first (measured: C2 threads
                    // took most of the CPU during the first ~15 s); the steady-state clock starts after a third of the batches
                    long warmBatches = batches / 3;
                    while (committedEvents(admin, "mayfly-streams", partitions) < warmBatches) {
                        Thread.sleep(50);
                    }
                    long warm = System.nanoTime();
                    long warmCommitted = committedEvents(admin, "mayfly-streams", partitions);
                    long cpuBefore = processCpuNanos();
                    long streamCpuBefore = streamThreadCpuNanos();
                    waitUntilCaughtUp(admin, "mayfly-streams", partitions);
                    long end = System.nanoTime();
                    double cpuSeconds = (processCpuNanos() - cpuBefore) / 1e9;
                    double streamCpuSeconds = (streamThreadCpuNanos() - streamCpuBefore) / 1e9;
                    long points = (long) batches * pointsPerBatch;
                    long steadyPoints = (batches - warmCommitted) * pointsPerBatch;
                    double seconds = (end - running) / 1e9;
                    double steadySeconds = (end - warm) / 1e9;
                    System.out.printf("batches=%d points/batch=%d series/batch=%d partitions=%d threads=%d groups=%d%n",
                            batches, pointsPerBatch, seriesPerBatch, partitions, threads, groups);
                    System.out.printf("startup (start() to RUNNING) %.1f s, not counted%n", (running - start) / 1e9);
                    System.out.printf("all batches, from RUNNING (JIT warm-up included): points=%d seconds=%.1f points/s=%.0f%n",
                            points, seconds, points / seconds);
                    System.out.printf("steady state (after %d batches): points=%d seconds=%.1f points/s=%.0f batches/s=%.0f%n",
                            warmCommitted, steadyPoints, steadySeconds, steadyPoints / steadySeconds,
                            (batches - warmCommitted) / steadySeconds);
                    System.out.printf("steady-state cpu: process (broker included) %.1f s = %.0f points per cpu-second; stream threads %.1f s = %.0f points per stream-thread cpu-second%n",
                            cpuSeconds, steadyPoints / cpuSeconds, streamCpuSeconds, steadyPoints / streamCpuSeconds);
                    if (Boolean.getBoolean("bench.threads")) {
                        printThreadCpu();
                    }
                    System.out.println("check: committed aggregates add up to " + committedTotal(kafka.bootstrapServers(), points)
                            + " of " + points + " points");
                    System.out.printf("load average at the end: %.2f on %d cpus%n",
                            java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                            Runtime.getRuntime().availableProcessors());
                }
            }
        }
    }

    /** The sum of the requests series on the aggregates topic (read_committed), once it reaches {@code expected} or after 30 s. */
    private static double committedTotal(String bootstrap, long expected) {
        Map<String, Double> latest = new HashMap<>();
        try (org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]> consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(Map.of(
                org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG, "bench-check",
                org.apache.kafka.clients.consumer.ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new org.apache.kafka.common.serialization.StringDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.AGGREGATES));
            AvroCodec<dev.mayfly.schemas.avro.Aggregate> codec = MayflyCodecs.aggregates(null, Topics.AGGREGATES);
            long deadline = System.nanoTime() + 30_000_000_000L;
            double sum = 0;
            while (System.nanoTime() < deadline && sum != expected) {
                for (var r : consumer.poll(java.time.Duration.ofMillis(500))) {
                    if (r.key().startsWith("requests{") && r.value() != null) {
                        latest.put(r.key(), codec.decode(r.value()).getValue());
                    }
                }
                sum = latest.values().stream().mapToDouble(Double::doubleValue).sum();
            }
            return sum;
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** CPU seconds per thread group (digits and ids folded), for the profile section of the report. */
    private static void printThreadCpu() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<String, Long> byGroup = new java.util.TreeMap<>();
        for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null) {
                String group = info.getThreadName().replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "").replaceAll("\\d+", "N");
                byGroup.merge(group, Math.max(0, threads.getThreadCpuTime(info.getThreadId())), Long::sum);
            }
        }
        byGroup.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(12)
                .forEach(e -> System.out.printf("  %6.1f s  %s%n", e.getValue() / 1e9, e.getKey()));
        for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            System.out.printf("  gc %s: %d collections, %.1f s%n", gc.getName(), gc.getCollectionCount(), gc.getCollectionTime() / 1e3);
        }
    }

    private static long streamThreadCpuNanos() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long total = 0;
        for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().contains("StreamThread") && !info.getThreadName().contains("producer")) {
                total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }

    private static void produce(String bootstrap, int batches, int pointsPerBatch, int seriesPerBatch, int extraLabels, int groups) {
        // the labels of each (series, code): route and code, plus extraLabels labels whose values follow the series
        List<Map<String, String>> labelSets = new ArrayList<>();
        for (int series = 0; series < seriesPerBatch; series++) {
            for (String code : new String[]{"200", "500"}) {
                Map<String, String> labels = new java.util.HashMap<>(Map.of("route", "/r" + series, "code", code));
                for (int l = 0; l < extraLabels; l++) {
                    labels.put("label_" + l, "value-" + l + "-" + series);
                }
                labelSets.add(labels);
            }
        }
        AvroCodec<MetricEventBatch> codec = MayflyCodecs.events(null, Topics.EVENTS);
        long now = System.currentTimeMillis();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024), new StringSerializer(), new ByteArraySerializer())) {
            for (int b = 0; b < batches; b++) {
                List<MetricPoint> points = new ArrayList<>(pointsPerBatch);
                int function = b % groups;
                for (int i = 0; i < pointsPerBatch; i++) {
                    int series = i % seriesPerBatch;
                    points.add(MetricPoint.newBuilder()
                            .setName("requests_total")
                            .setType(MetricType.COUNTER)
                            .setValue(1)
                            .setLabels(labelSets.get(2 * series + (i & 1)))
                            .build());
                }
                MetricEventBatch batch = MetricEventBatch.newBuilder()
                        .setEventId("bench-" + b)
                        .setSource(Source.newBuilder().setJob("bench").setFunction("f" + function).build())
                        .setEmitTime(Instant.ofEpochMilli(now))
                        .setPoints(points)
                        .build();
                producer.send(new ProducerRecord<>(Topics.EVENTS, batch.getEventId(), codec.encode(batch)));
            }
            producer.flush();
        }
    }

    /** Records of the events topic the application has committed (= batches processed: the topic has no markers). */
    private static long committedEvents(Admin admin, String applicationId, int partitions) {
        try {
            long sum = 0;
            for (var e : admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get().entrySet()) {
                if (e.getKey().topic().equals(Topics.EVENTS) && e.getValue() != null) {
                    sum += e.getValue().offset();
                }
            }
            return sum;
        } catch (Exception e) {
            return 0;
        }
    }

    private static void waitUntilCaughtUp(Admin admin, String applicationId, int partitions) throws Exception {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            tps.add(new TopicPartition(Topics.EVENTS, p));
            tps.add(new TopicPartition(applicationId + "-series-updates-repartition", p));
        }
        while (true) {
            Thread.sleep(250);
            Map<TopicPartition, OffsetAndMetadata> committed;
            Map<TopicPartition, Long> ends = new HashMap<>();
            try {
                committed = admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
                tps.forEach(tp -> specs.put(tp, OffsetSpec.latest()));
                admin.listOffsets(specs).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
            } catch (Exception e) {
                continue; // the repartition topic may not exist yet
            }
            boolean caughtUp = true;
            for (TopicPartition tp : tps) {
                OffsetAndMetadata c = committed.get(tp);
                long end = ends.getOrDefault(tp, 0L);
                // a committed offset may sit one past the last data record (transaction markers)
                if (end > 0 && (c == null || c.offset() < end - 1)) {
                    caughtUp = false;
                }
            }
            if (caughtUp && committed.containsKey(tps.get(1))) {
                return;
            }
        }
    }
}
