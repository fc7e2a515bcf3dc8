package dev.mayfly.streams.internal;

import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.MayflyCodecs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * For bench/freshness-stages.sh: where push-to-visible time goes. While an open-loop load (E2eOpenLoad with a times
 * file) pushes the 12-sample text body into one group of JOB, four consumers of the standalone's broker note when
 * the job's {@code bench_requests} contributions reach each stage, in pushes covered (1341 counted per push):
 * Ru, written to the series-updates repartition topic (the ingest step forwards before its commit); Rc, readable
 * there once that commit completed (read_committed); Au, written to the aggregates topic (a publication); Ac,
 * committed there. The load's file adds each push's acknowledgement and what {@code /metrics} showed when (V). Every
 * time is {@code System.nanoTime()}, one clock for all processes of the machine on Linux. Prints, per stage, the
 * time from acknowledgement to the stage (p50/p90/p99/max over pushes), each step's share, and how often commits
 * completed (gaps between Rc arrivals).
 *
 * <p>Arguments: bootstrap servers, job, seconds to listen, the load's times file (read after listening), and the
 * application id (default mayfly-streams).
 */
public final class FreshnessStages {
    /** What one push of bench/e2e/push-body.txt adds to bench_requests, as E2eOpenLoad.COUNTER_PER_PUSH (another module). */
    private static final double COUNTER_PER_PUSH = 1027 + 311 + 3;
    private static final String[] STAGES = {"Ru", "Rc", "Au", "Ac", "V"};

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String job = args[1];
        long seconds = Long.parseLong(args[2]);
        Path times = Path.of(args[3]);
        String applicationId = args.length > 4 ? args[4] : "mayfly-streams";
        String updatesTopic = applicationId + "-series-updates-repartition";
        Map<String, List<long[]>> arrivals = new HashMap<>();
        List<Thread> listeners = new ArrayList<>();
        for (String stage : new String[]{"Ru", "Rc", "Au", "Ac"}) {
            List<long[]> rows = new ArrayList<>();
            arrivals.put(stage, rows);
            String topic = stage.startsWith("R") ? updatesTopic : Topics.AGGREGATES;
            Thread t = new Thread(() -> listen(bootstrap, topic, stage.endsWith("c"), job, seconds, rows), stage);
            listeners.add(t);
            t.start();
        }
        for (Thread t : listeners) {
            t.join();
        }
        List<Long> acks = new ArrayList<>();
        List<long[]> visible = new ArrayList<>();
        for (String line : Files.readAllLines(times)) {
            String[] f = line.split(" ");
            if (f[0].equals("ack")) {
                acks.add(Long.parseLong(f[1]));
            } else if (f[0].equals("visible")) {
                visible.add(new long[]{Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        }
        arrivals.put("V", visible);
        report(acks, arrivals);
    }

    /** Notes (arrival time, pushes covered) for every record of the job's bench_requests series on one stage. */
    private static void listen(String bootstrap, String topic, boolean committed, String job, long seconds, List<long[]> rows) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, committed ? "read_committed" : "read_uncommitted",
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        AvroCodec<Aggregate> aggregates = MayflyCodecs.aggregates(null, topic);
        UpdateSerde updates = new UpdateSerde();
        boolean isUpdates = !topic.equals(Topics.AGGREGATES);
        String prefix = "bench_requests{";
        String jobLabel = "job=\"" + job + "\"";
        double[] contributed = {0};
        Map<String, Double> totals = new HashMap<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(partitions);
            c.seekToEnd(partitions);
            partitions.forEach(c::position);
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    if (r.value() == null) {
                        continue;
                    }
                    boolean hit = false;
                    if (isUpdates) {
                        Routed routed = updates.deserialize(topic, r.value());
                        double before = contributed[0];
                        if (routed instanceof SeriesUpdates pack) {
                            pack.forEach((key, u) -> {
                                if (key.startsWith(prefix) && key.contains(jobLabel)) {
                                    contributed[0] += u.value;
                                }
                            });
                        } else if (routed instanceof Update u && r.key().startsWith(prefix) && r.key().contains(jobLabel)) {
                            contributed[0] += u.value;
                        }
                        hit = contributed[0] != before;
                    } else if (r.key() != null && r.key().startsWith(prefix) && r.key().contains(jobLabel)) {
                        totals.put(r.key(), aggregates.decode(r.value()).getValue());
                        contributed[0] = totals.values().stream().mapToDouble(Double::doubleValue).sum();
                        hit = true;
                    }
                    if (hit) {
                        rows.add(new long[]{now, Math.round(contributed[0] / COUNTER_PER_PUSH)});
                    }
                }
            }
        }
    }

    private static void report(List<Long> acks, Map<String, List<long[]>> arrivals) {
        long[] ack = acks.stream().mapToLong(Long::longValue).sorted().toArray();
        Map<String, double[]> fresh = new HashMap<>();
        int n = ack.length;
        for (String stage : STAGES) {
            double[] ms = reached(ack, arrivals.get(stage));
            fresh.put(stage, ms);
            n = Math.min(n, ms.length);
            System.out.printf("acknowledged -> %-2s %s%n", stage, summary(ms));
        }
        String previous = null;
        for (String stage : STAGES) {
            if (previous != null) {
                double[] step = new double[n];
                for (int i = 0; i < n; i++) {
                    step[i] = fresh.get(stage)[i] - fresh.get(previous)[i];
                }
                System.out.printf("step %-2s -> %-2s %s%n", previous, stage, summary(step));
            }
            previous = stage;
        }
        List<long[]> commits = arrivals.get("Rc");
        double[] gaps = new double[Math.max(0, commits.size() - 1)];
        int g = 0;
        for (int i = 1; i < commits.size(); i++) {
            double gap = (commits.get(i)[0] - commits.get(i - 1)[0]) / 1e6;
            if (gap > 10) { // records of one commit arrive within a few milliseconds of each other
                gaps[g++] = gap;
            }
        }
        System.out.printf("commits seen on the repartition topic: every %s%n", summary(Arrays.copyOf(gaps, g)));
    }

    /** Per acknowledged push (in acknowledgement order), milliseconds until the stage first covered it. */
    private static double[] reached(long[] ack, List<long[]> rows) {
        List<long[]> sorted = new ArrayList<>(rows);
        sorted.sort((a, b) -> Long.compare(a[0], b[0]));
        double[] ms = new double[ack.length];
        int k = 0;
        long covered = 0;
        for (long[] row : sorted) {
            covered = Math.max(covered, row[1]);
            for (; k < ack.length && k < covered; k++) {
                ms[k] = (row[0] - ack[k]) / 1e6;
            }
        }
        return Arrays.copyOf(ms, k);
    }

    private static String summary(double[] values) {
        if (values.length == 0) {
            return "(none)";
        }
        double[] s = values.clone();
        Arrays.sort(s);
        return String.format("p50 %4.0f  p90 %4.0f  p99 %4.0f  max %5.0f ms (%d)", pct(s, 0.5), pct(s, 0.9), pct(s, 0.99), s[s.length - 1], s.length);
    }

    private static double pct(double[] sorted, double p) {
        return sorted[(int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))];
    }
}
