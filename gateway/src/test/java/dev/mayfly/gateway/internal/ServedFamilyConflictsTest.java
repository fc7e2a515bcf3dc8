package dev.mayfly.gateway.internal;

import dev.mayfly.gateway.ServedTypes;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A push is refused when a family already served claims one of the names its metrics would be served under. */
class ServedFamilyConflictsTest {
    private final Map<String, MetricType> served = new HashMap<>();
    private long version;
    /** A view over {@link #served}, whose version {@link #serve} moves on. */
    private final ServedTypes view = new ServedTypes() {
        @Override
        public MetricType servedType(String storedName) {
            return served.get(storedName);
        }

        @Override
        public long version() {
            return version;
        }
    };
    private final ServedFamilyConflicts conflicts = new ServedFamilyConflicts(view);
    private final ServedFamilyConflicts knowingNothing = new ServedFamilyConflicts(ServedTypes.NONE);

    private void serve(String storedName, MetricType type) {
        served.put(storedName, type);
        version++;
    }

    @Test
    void aNameServedAsAnotherTypeIsRefusedNamingBothTypes() {
        serve("latency", MetricType.COUNTER); // a counter latency_total, stored without _total
        assertThatThrownBy(() -> conflicts.refuse(push("# TYPE latency gauge\nlatency{route=\"b\"} 0.3\n")))
                .isInstanceOfSatisfying(PushRejected.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.reason()).isEqualTo(PushRejected.TYPE_CONFLICT);
                    assertThat(e.getMessage()).isEqualTo("metric latency is pushed as a gauge but latency is already served as a counter;"
                            + " a metric name has one type across every push: push it as a counter or under another name");
                });
        assertThatCode(() -> conflicts.refuse(push("# TYPE latency_total counter\nlatency_total{route=\"c\"} 1\n")))
                .as("the same type, with or without _total").doesNotThrowAnyException();
        assertThatCode(() -> conflicts.refuse(push("# TYPE latency counter\nlatency{route=\"c\"} 1\n")))
                .doesNotThrowAnyException();
    }

    @Test
    void aNameAmongTheSamplesOfAServedFamilyIsRefused() {
        serve("orders", MetricType.COUNTER);
        serve("rpc_seconds", MetricType.HISTOGRAM);
        serve("queue_total", MetricType.GAUGE);
        assertThatThrownBy(() -> conflicts.refuse(push("# TYPE orders_created gauge\norders_created 1\n")))
                .hasMessage("metric orders_created (gauge) would be served under the name orders_created, which the counter"
                        + " orders already serves, and /metrics serves one family per name: push it under another name");
        assertThatThrownBy(() -> conflicts.refuse(push("# TYPE rpc_seconds_count gauge\nrpc_seconds_count 1\n")))
                .hasMessageContaining("which the histogram rpc_seconds already serves");
        assertThatThrownBy(() -> conflicts.refuse(push("# TYPE queue counter\nqueue 1\n")))
                .as("a counter queue would be served as queue_total, a served gauge")
                .hasMessageContaining("would be served under the name queue_total, which the gauge queue_total already serves");
        assertThatCode(() -> conflicts.refuse(push("# TYPE rpc_seconds histogram\nrpc_seconds_bucket{le=\"+Inf\"} 1\n"
                + "rpc_seconds_sum 0.5\nrpc_seconds_count 1\n# TYPE orders_total counter\norders_total 2\n# TYPE other gauge\nother 1\n")))
                .as("the served families themselves, and names nobody claims").doesNotThrowAnyException();
    }

    @Test
    void aNameTheProcessServesAsASummaryOrInfoIsNotOfferedAsATypeToPush() {
        serve("jvm_gc_collection_seconds", MetricType.SUMMARY);
        serve("jvm_runtime_info", MetricType.UNKNOWN);
        assertThatThrownBy(() -> conflicts.refuse(push("# TYPE jvm_gc_collection_seconds histogram\njvm_gc_collection_seconds_bucket{le=\"+Inf\"} 1\n"
                + "jvm_gc_collection_seconds_sum 1\njvm_gc_collection_seconds_count 1\n")))
                .hasMessage("metric jvm_gc_collection_seconds (histogram) would be served under the name jvm_gc_collection_seconds, which the"
                        + " exporter's own jvm_gc_collection_seconds already serves, and /metrics serves one family per name: push it under another name");
        assertThatThrownBy(() -> conflicts.refuse(push("# TYPE jvm_runtime_info gauge\njvm_runtime_info 1\n")))
                .hasMessageContaining("which the exporter's own jvm_runtime_info already serves");
    }

    @Test
    void aFamilyThatPassedIsCheckedAgainOnlyOnceTheVersionMoves() {
        MetricEventBatch gauge = push("# TYPE latency gauge\nlatency 0.3\n");
        conflicts.refuse(gauge); // claims latency as a gauge: a change of the claims, so checked once more
        conflicts.refuse(gauge);
        served.put("latency", MetricType.COUNTER); // the view changed but says it did not
        assertThatCode(() -> conflicts.refuse(gauge)).as("the answer kept for this version").doesNotThrowAnyException();
        version++;
        assertThatThrownBy(() -> conflicts.refuse(gauge)).hasMessageContaining("latency is already served as a counter");
        version = -1; // answers not to be kept: every push is checked
        served.remove("latency");
        conflicts.refuse(gauge);
        served.put("latency", MetricType.COUNTER);
        assertThatThrownBy(() -> conflicts.refuse(gauge)).hasMessageContaining("latency is already served as a counter");
    }

    @Test
    void aViewThatKnowsNothingRefusesNothingAcrossPushes() {
        assertThatCode(() -> knowingNothing.refuse(push("# TYPE a gauge\na 1\n# TYPE b_total counter\nb_total 1\n")))
                .doesNotThrowAnyException();
        assertThatCode(() -> knowingNothing.refuse(push("# TYPE a counter\na 1\n# TYPE b gauge\nb 1\n")))
                .as("the check is off: no claims either").doesNotThrowAnyException();
    }

    /** Before /metrics serves a new name, the type it was first accepted as is kept: the other type gets the 400. */
    @Test
    void aNameAcceptedMomentsAgoKeepsItsTypeUntilServedOrForAMinute() {
        long[] now = {0};
        ServedFamilyConflicts claiming = new ServedFamilyConflicts(view, () -> now[0]);
        claiming.refuse(push("# TYPE signups_total counter\nsignups_total 1\n"));
        assertThatThrownBy(() -> claiming.refuse(push("# TYPE signups gauge\nsignups 7\n")))
                .isInstanceOfSatisfying(PushRejected.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.reason()).isEqualTo(PushRejected.TYPE_CONFLICT);
                    assertThat(e.getMessage()).isEqualTo("metric signups is pushed as a gauge but signups was pushed as a counter"
                            + " moments ago (/metrics serves it shortly); a metric name has one type across every push:"
                            + " push it as a counter or under another name");
                });
        assertThatThrownBy(() -> claiming.refuse(push("# TYPE signups_created gauge\nsignups_created 1\n")))
                .as("a sample name of the counter pushed moments ago")
                .hasMessageContaining("which the counter signups pushed moments ago will serve");
        assertThatCode(() -> claiming.refuse(push("# TYPE signups counter\nsignups 2\n"))).doesNotThrowAnyException();

        // served as it was claimed: the view answers from then on, as for any served name
        serve("signups", MetricType.COUNTER);
        assertThatThrownBy(() -> claiming.refuse(push("# TYPE signups gauge\nsignups 7\n")))
                .hasMessageContaining("signups is already served as a counter");

        // a claim never served (its write failed, say) lasts a minute
        claiming.refuse(push("# TYPE queue_depth gauge\nqueue_depth 3\n"));
        now[0] += TimeUnit.SECONDS.toNanos(ServedFamilyConflicts.PENDING_SECONDS) - 1;
        assertThatThrownBy(() -> claiming.refuse(push("# TYPE queue_depth counter\nqueue_depth 1\n")))
                .hasMessageContaining("queue_depth was pushed as a gauge moments ago");
        now[0] += 2;
        assertThatCode(() -> claiming.refuse(push("# TYPE queue_depth counter\nqueue_depth 1\n"))).doesNotThrowAnyException();
        assertThatThrownBy(() -> claiming.refuse(push("# TYPE queue_depth gauge\nqueue_depth 3\n")))
                .hasMessageContaining("queue_depth was pushed as a counter moments ago");
    }

    /** A push refused makes nothing pending, and a view still loading makes nothing pending. */
    @Test
    void onlyAPushThatPassesWholeMakesANamePending() {
        serve("http_requests", MetricType.COUNTER);
        assertThatThrownBy(() -> conflicts.refuse(push("# TYPE aaa_new gauge\naaa_new 1\n# TYPE http_requests gauge\nhttp_requests 1\n")))
                .hasMessageContaining("http_requests is already served as a counter");
        assertThatCode(() -> conflicts.refuse(push("# TYPE aaa_new counter\naaa_new 1\n"))).as("aaa_new was not written")
                .doesNotThrowAnyException();

        conflicts.refuse(push("# TYPE p1 counter\np1 1\n"));
        assertThatThrownBy(() -> conflicts.refuse(push("# TYPE z_new gauge\nz_new 1\n# TYPE p1 gauge\np1 1\n")))
                .hasMessageContaining("p1 was pushed as a counter moments ago");
        assertThatCode(() -> conflicts.refuse(push("# TYPE z_new counter\nz_new 1\n"))).as("z_new was not written")
                .doesNotThrowAnyException();

        version = -1; // the served view is loading: it knows nothing for sure yet
        conflicts.refuse(push("# TYPE loading counter\nloading 1\n"));
        assertThatCode(() -> conflicts.refuse(push("# TYPE loading gauge\nloading 1\n"))).doesNotThrowAnyException();
    }

    /** A DELETE forgets every pending type: a name it deleted may then take another type at once. */
    @Test
    void aDeleteForgetsThePendingTypes() {
        conflicts.refuse(push("# TYPE dd counter\ndd 1\n"));
        assertThatThrownBy(() -> conflicts.refuse(push("# TYPE dd gauge\ndd 1\n"))).hasMessageContaining("dd was pushed as a counter");
        conflicts.refuse(new MetricEventBatch("e-2", new Source("job", null, null, null), Instant.now(), Operation.DELETE_GROUP,
                Map.of(), List.of()));
        assertThatCode(() -> conflicts.refuse(push("# TYPE dd gauge\ndd 1\n"))).doesNotThrowAnyException();
    }

    /** A pending type lasts a minute after the last push of it, also when that push passed from the cache. */
    @Test
    void aPendingTypeIsKeptWhileItIsPushed() {
        long[] now = {0};
        ServedFamilyConflicts pendingFor = new ServedFamilyConflicts(view, () -> now[0]);
        MetricEventBatch gauge = push("# TYPE q gauge\nq 1\n");
        pendingFor.refuse(gauge);
        pendingFor.refuse(gauge); // from the cache from now on
        long minute = TimeUnit.SECONDS.toNanos(ServedFamilyConflicts.PENDING_SECONDS);
        for (int i = 0; i < 3; i++) {
            now[0] += minute - 1;
            pendingFor.refuse(gauge);
        }
        assertThatThrownBy(() -> pendingFor.refuse(push("# TYPE q counter\nq 1\n"))).hasMessageContaining("q was pushed as a gauge");
        now[0] += minute;
        assertThatCode(() -> pendingFor.refuse(push("# TYPE q counter\nq 1\n"))).as("a minute without a push of it")
                .doesNotThrowAnyException();
    }

    /**
     * Pushes at once of two new names in every mix of types, some refused part way (one name fine, the other not):
     * of every name the pushes that passed gave one type only.
     */
    @Test
    void pushesOfSeveralNamesAtOnceNeverPassTwoTypesOfOneName() throws Exception {
        for (int round = 0; round < 30; round++) {
            String a = "mix_a_" + round;
            String b = "mix_b_" + round;
            List<MetricEventBatch> kinds = List.of(
                    push("# TYPE " + a + " counter\n" + a + " 1\n# TYPE " + b + " gauge\n" + b + " 1\n"),
                    push("# TYPE " + a + " gauge\n" + a + " 1\n"),
                    push("# TYPE " + b + " counter\n" + b + " 1\n"),
                    push("# TYPE " + a + " counter\n" + a + " 1\n"),
                    push("# TYPE " + b + " gauge\n" + b + " 1\n# TYPE " + a + " gauge\n" + a + " 1\n"));
            Map<String, Set<MetricType>> passedTypes = new ConcurrentHashMap<>();
            List<MetricEventBatch> batches = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                batches.add(kinds.get((i * 7 + round) % kinds.size()));
            }
            refuseAtOnce(batches, batch -> batch.getPoints()
                    .forEach(p -> passedTypes.computeIfAbsent(p.getName(), n -> ConcurrentHashMap.newKeySet()).add(p.getType())));
            int r = round;
            passedTypes.forEach((name, types) -> assertThat(types).as("round %d, %s", r, name).hasSize(1));
        }
    }

    /** Many pushes at once giving one new name two types: every push of one type passes, every push of the other is refused. */
    @Test
    void ofPushesClaimingANewNameAtOnceOnlyOneTypePasses() throws Exception {
        for (int round = 0; round < 20; round++) {
            String name = "race_" + round;
            MetricEventBatch counter = push("# TYPE " + name + " counter\n" + name + " 1\n");
            MetricEventBatch gauge = push("# TYPE " + name + " gauge\n" + name + " 1\n");
            ConcurrentHashMap<MetricType, AtomicInteger> passed = new ConcurrentHashMap<>();
            List<MetricEventBatch> batches = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                batches.add(i % 2 == 0 ? counter : gauge);
            }
            refuseAtOnce(batches, b -> passed.computeIfAbsent(b.getPoints().get(0).getType(), t -> new AtomicInteger()).incrementAndGet());
            assertThat(passed).as("round %d", round).hasSize(1);
            assertThat(passed.values().iterator().next().get()).isEqualTo(8);
        }
    }

    /** Checks {@code batches} on 8 threads, all started at once; {@code passed} is told of each that passed. */
    private void refuseAtOnce(List<MetricEventBatch> batches, Consumer<MetricEventBatch> passed) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> pushes = new ArrayList<>();
        for (MetricEventBatch batch : batches) {
            pushes.add(pool.submit(() -> {
                start.await();
                try {
                    conflicts.refuse(batch);
                    passed.accept(batch);
                } catch (PushRejected refused) {
                    assertThat(refused.reason()).isEqualTo(PushRejected.TYPE_CONFLICT);
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : pushes) {
            f.get();
        }
        pool.shutdown();
    }

    @Test
    void twoFamiliesOfOnePushClaimingOneNameAreRefusedWhateverTheView() {
        // as OTLP or the events API may send them: the text parser takes x_created after a counter x as its created time
        MetricEventBatch clash = batch(point("x", MetricType.COUNTER), point("x", MetricType.COUNTER), point("y", MetricType.GAUGE),
                point("x_created", MetricType.GAUGE));
        assertThatThrownBy(() -> knowingNothing.refuse(clash)).isInstanceOfSatisfying(PushRejected.class, e -> {
            assertThat(e.reason()).isEqualTo(PushRejected.TYPE_CONFLICT);
            assertThat(e.getMessage()).isEqualTo("metrics x (counter) and x_created (gauge) of this push would both be served under"
                    + " the name x_created, and /metrics serves one family per name: push one of them under another name");
        });
        assertThatThrownBy(() -> conflicts.refuse(batch(point("h", MetricType.HISTOGRAM), point("h_count", MetricType.COUNTER))))
                .hasMessageContaining("would both be served under the name h_count");
        assertThatCode(() -> knowingNothing.refuse(batch(point("x_total", MetricType.COUNTER), point("y", MetricType.GAUGE),
                point("x", MetricType.COUNTER), point("y", MetricType.GAUGE))))
                .as("one counter named with and without _total, families interleaved").doesNotThrowAnyException();
    }

    @Test
    void aClashAmongThousandsOfFamiliesIsFoundAndTheirPointsRepeatedInAnyOrderAreOneFamilyEach() {
        List<MetricPoint> points = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            points.add(point("g" + i, MetricType.GAUGE));
        }
        for (int i = 4_999; i >= 0; i -= 7) {
            points.add(point("g" + i, MetricType.GAUGE)); // the same families again, out of order
        }
        assertThatCode(() -> knowingNothing.refuse(batch(points.toArray(MetricPoint[]::new)))).doesNotThrowAnyException();
        points.add(point("g17", MetricType.COUNTER)); // exposes g17, which the gauge g17 is
        assertThatThrownBy(() -> knowingNothing.refuse(batch(points.toArray(MetricPoint[]::new))))
                .hasMessage("metrics g17 (gauge) and g17 (counter) of this push would both be served under the name g17,"
                        + " and /metrics serves one family per name: push one of them under another name");
    }

    private static MetricPoint point(String name, MetricType type) {
        return MetricPoint.newBuilder().setName(name).setType(type).setValue(1)
                .setHistogram(type == MetricType.HISTOGRAM ? new HistogramValue(List.of(), List.of(1L), 1.0, 1L) : null).build();
    }

    private static MetricEventBatch batch(MetricPoint... points) {
        return new MetricEventBatch("e-1", new Source("job", null, null, null), Instant.now(), Operation.RECORD, Map.of(), List.of(points));
    }

    private static MetricEventBatch push(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return PushParseBenchmark.batch("/metrics/job/checkout", "text/plain; version=0.0.4", bytes, bytes.length, 1000);
    }
}
