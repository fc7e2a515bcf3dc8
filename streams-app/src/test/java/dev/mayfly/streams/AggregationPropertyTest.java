package dev.mayfly.streams;

import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.mayfly.streams.Pipeline.batch;
import static dev.mayfly.streams.Pipeline.counter;
import static dev.mayfly.streams.Pipeline.cumulative;
import static dev.mayfly.streams.Pipeline.gauge;
import static dev.mayfly.streams.Pipeline.histogram;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random streams of batches with retries, reorderings within the allowed lateness, resets of cumulative streams,
 * invalid points and garbage records, histograms with differing bounds: the final aggregates equal a reference
 * computed independently from the unique valid inputs.
 */
class AggregationPropertyTest {
    private static final long T0 = 1_700_000_000_000L;
    /** The bucket layouts the pushes choose from: a deploy that adds a bound, and one that keeps only another. */
    private static final double[][] LAYOUTS = {{1, 10}, {1, 5, 10}, {5}};

    /** One generated batch: what it holds, before encoding. */
    record Spec(int index, List<double[]> deltas, double gauge, int stream, boolean reset, int growth, long[] buckets,
                boolean invalidPoint, int layout) {
    }

    @Provide
    Arbitrary<List<Spec>> specs() {
        Arbitrary<Spec> one = Combinators.combine(
                Arbitraries.doubles().between(0, 100).ofScale(2).list().ofMinSize(1).ofMaxSize(4)
                        .map(l -> l.stream().map(v -> new double[]{v}).toList()),
                Arbitraries.doubles().between(-50, 50).ofScale(1),
                Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 9).map(i -> i == 0),
                Arbitraries.integers().between(0, 20),
                Arbitraries.longs().between(0, 5).array(long[].class).ofSize(4),
                Arbitraries.integers().between(0, 4).map(i -> i == 0),
                Arbitraries.integers().between(0, LAYOUTS.length - 1)
        ).as((deltas, g, stream, reset, growth, buckets, invalid, layout) -> new Spec(0, deltas, g, stream, reset, growth,
                buckets, invalid, layout));
        return one.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 40)
    void finalAggregatesEqualTheReferenceOfUniqueValidInputs(@ForAll("specs") List<Spec> specs, @ForAll long seed) {
        Random random = new Random(seed);
        Map<String, Double> expected = new HashMap<>();
        // the histogram's reference: for each bound any push used, the observations known to be at or below it
        java.util.TreeMap<Double, Long> expectedAtOrBelow = new java.util.TreeMap<>();
        long expectedCount = 0;
        List<MetricEventBatch> batches = new ArrayList<>();
        List<double[][]> histograms = new ArrayList<>(); // per valid batch: bounds, bucket counts
        // cumulative stream state as the clients keep it: start time and running total per stream
        long[] start = {T0, T0, T0};
        double[] total = new double[3];
        double[][] epochMax = new double[3][];
        List<List<Double>> finishedEpochs = new ArrayList<>(List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
        String lastGaugeId = null;
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            long emit = T0 + i * 1000L;
            String id = "e" + i;
            List<MetricPoint> points = new ArrayList<>();
            for (int d = 0; d < s.deltas().size(); d++) {
                double v = s.deltas().get(d)[0];
                points.add(counter("ops_total", v, "shard", String.valueOf(d % 2)));
                expected.merge("ops{job=\"fn\",shard=\"" + (d % 2) + "\"}", v, Double::sum);
            }
            points.add(gauge("temp", s.gauge()));
            lastGaugeId = id;
            if (s.reset()) {
                finishedEpochs.get(s.stream()).add(total[s.stream()]);
                start[s.stream()] = emit;
                total[s.stream()] = 0;
            }
            total[s.stream()] += s.growth();
            points.add(cumulative("bytes", "s" + s.stream(), start[s.stream()], total[s.stream()]));
            double[] bounds = LAYOUTS[s.layout()];
            long[] buckets = java.util.Arrays.copyOf(s.buckets(), bounds.length + 1);
            points.add(histogram("lat", bounds, buckets, buckets[0] * 0.5));
            for (double b : bounds) {
                expectedAtOrBelow.putIfAbsent(b, 0L);
            }
            expectedCount += java.util.Arrays.stream(buckets).sum();
            histograms.add(new double[][]{bounds, java.util.Arrays.stream(buckets).asDoubleStream().toArray()});
            if (s.invalidPoint()) {
                points.add(random.nextBoolean() ? counter("ops_total", -1, "shard", "0") : gauge("bad name", 1));
            }
            batches.add(MetricEventBatch.newBuilder(batch(id, emit)).setPoints(points).build());
        }
        double cumulativeTotal = 0;
        for (int st = 0; st < 3; st++) {
            for (double d : finishedEpochs.get(st)) {
                cumulativeTotal += d;
            }
            cumulativeTotal += total[st];
        }
        boolean anyCumulative = true;
        expected.put("bytes{job=\"fn\"}", cumulativeTotal);
        expected.put("temp{job=\"fn\"}", specs.get(specs.size() - 1).gauge());

        // the input: every batch once, swapped with its neighbour at random (a reordering within lateness),
        // retries of earlier batches, and garbage records
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < batches.size(); i++) {
            order.add(i);
        }
        for (int i = 0; i + 1 < order.size(); i += 2) {
            if (random.nextBoolean()) {
                java.util.Collections.swap(order, i, i + 1);
            }
        }
        try (Pipeline p = Pipeline.start(Map.of("series.ttl", "1d"))) {
            for (int k = 0; k < order.size(); k++) {
                MetricEventBatch b = batches.get(order.get(k));
                long brokerTime = b.getEmitTime().toEpochMilli() + 500;
                p.send(b, brokerTime);
                if (random.nextInt(4) == 0) {
                    MetricEventBatch retry = batches.get(random.nextInt(k + 1 > batches.size() ? batches.size() : k + 1));
                    p.send(retry, brokerTime + 1);
                }
                if (random.nextInt(6) == 0) {
                    byte[] junk = new byte[1 + random.nextInt(20)];
                    random.nextBytes(junk);
                    p.sendBytes("junk", junk, brokerTime);
                }
            }
            Map<String, Aggregate> actual = p.aggregates();
            for (Map.Entry<String, Double> e : expected.entrySet()) {
                assertThat(actual).containsKey(e.getKey());
                assertThat(actual.get(e.getKey()).getValue()).as(e.getKey()).isCloseTo(e.getValue(), org.assertj.core.data.Offset.offset(1e-6));
            }
            for (double[][] h : histograms) { // a push adds, at each bound, its own count at its highest bound not above it
                for (Map.Entry<Double, Long> e : expectedAtOrBelow.entrySet()) {
                    long atOrBelow = 0;
                    for (int b = 0; b < h[0].length && h[0][b] <= e.getKey(); b++) {
                        atOrBelow += (long) h[1][b];
                    }
                    e.setValue(e.getValue() + atOrBelow);
                }
            }
            Aggregate lat = actual.get("lat{job=\"fn\"}");
            assertThat(lat.getHistogram().getBounds()).containsExactlyElementsOf(expectedAtOrBelow.keySet());
            List<Long> perBucket = lat.getHistogram().getBucketCounts();
            long cumulative = 0;
            List<Long> actualAtOrBelow = new ArrayList<>();
            for (int b = 0; b + 1 < perBucket.size(); b++) {
                assertThat(perBucket.get(b)).isNotNegative();
                cumulative += perBucket.get(b);
                actualAtOrBelow.add(cumulative);
            }
            assertThat(actualAtOrBelow).containsExactlyElementsOf(expectedAtOrBelow.values());
            assertThat(cumulative + perBucket.get(perBucket.size() - 1)).isEqualTo(expectedCount);
            assertThat(lat.getHistogram().getCount()).isEqualTo(expectedCount);
            assertThat(actual.keySet().stream().filter(k -> !k.startsWith("mayfly_")))
                    .containsExactlyInAnyOrderElementsOf(withLat(expected.keySet()));
            assertThat(anyCumulative).isTrue();
            assertThat(lastGaugeId).isNotNull();
        }
    }

    private static List<String> withLat(java.util.Set<String> keys) {
        List<String> all = new ArrayList<>(keys);
        all.add("lat{job=\"fn\"}");
        return all;
    }
}
