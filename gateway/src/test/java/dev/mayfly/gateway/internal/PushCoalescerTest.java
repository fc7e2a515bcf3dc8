package dev.mayfly.gateway.internal;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The coalescer over a sink whose writes the test completes by hand: what is merged, when, and what each push is told. */
class PushCoalescerTest {
    private final HeldSink sink = new HeldSink();
    private final PushCoalescer coalescer = new PushCoalescer(sink, Runnable::run, 10, true);

    @Test
    void aPushIntoAnIdleGroupIsWrittenAtOnceAloneWithItsOwnId() {
        MetricEventBatch push = push("a", "checkout", Map.of("instance", "1"), 1, 3);
        CompletableFuture<Void> done = coalescer.write(push, true);
        assertThat(sink.written).containsExactly(push);
        assertThat(done).isNotDone();
        sink.complete(0);
        assertThat(done).isCompleted();
        assertThat(coalescer.activeGroups()).as("an idle group is forgotten").isZero();
    }

    @Test
    void pushesArrivingWhileEveryRoundIsInFlightAreMergedInArrivalOrderAndAnsweredWithTheirBatch() {
        List<CompletableFuture<Void>> inFlight = fillRounds("checkout");
        CompletableFuture<Void> second = coalescer.write(push("b", "checkout", Map.of(), 5, 2), true);
        CompletableFuture<Void> third = coalescer.write(push("c", "checkout", Map.of(), 3, 3), true);
        CompletableFuture<Void> otherGroup = coalescer.write(push("d", "search", Map.of(), 1, 4), true);
        int rounds = PushCoalescer.ROUNDS_IN_FLIGHT;
        assertThat(sink.written).as("b and c wait; another group does not").hasSize(rounds + 1);

        sink.complete(0);
        assertThat(inFlight.get(0)).isCompleted();
        assertThat(sink.written).hasSize(rounds + 2);
        MetricEventBatch merged = sink.written.get(rounds + 1);
        assertThat(merged.getEventId()).isNotIn("b", "c", "d");
        assertThat(merged.getSource().getJob()).isEqualTo("checkout");
        assertThat(merged.getEmitTime()).as("the newest push's emit time").isEqualTo(Instant.ofEpochMilli(5));
        assertThat(merged.getPoints()).extracting(MetricPoint::getValue).containsExactly(2.0, 3.0);
        assertThat(second).isNotDone();
        assertThat(third).isNotDone();

        sink.complete(rounds + 1);
        assertThat(second).isCompleted();
        assertThat(third).isCompleted();
        assertThat(otherGroup).isNotDone();
        for (int i = 1; i <= rounds; i++) {
            sink.complete(i);
        }
        assertThat(coalescer.activeGroups()).as("every group idle").isZero();
    }

    @Test
    void pushesAreWrittenAloneAtOnceWhileARoundIsFree() {
        for (int i = 0; i < PushCoalescer.ROUNDS_IN_FLIGHT; i++) {
            coalescer.write(push("p" + i, "checkout", Map.of(), 1, 1), true);
        }
        assertThat(sink.written).extracting(MetricEventBatch::getEventId).hasSize(PushCoalescer.ROUNDS_IN_FLIGHT).doesNotContainNull();
        coalescer.write(push("waits", "checkout", Map.of(), 1, 1), true);
        assertThat(sink.written).hasSize(PushCoalescer.ROUNDS_IN_FLIGHT);
    }

    @Test
    void pushesThatMustKeepTheirIdentityAreWrittenAloneAtOnce() {
        fillRounds("checkout");
        sink.written.clear();
        MetricEventBatch keyed = push("b", "checkout", Map.of(), 1, 2);
        MetricEventBatch delete = new MetricEventBatch("c", new Source("checkout", null, null, null), Instant.ofEpochMilli(1),
                Operation.DELETE_GROUP, Map.of(), List.of());
        MetricEventBatch cumulative = push("d", "checkout", Map.of(), 1, 3);
        cumulative.getPoints().get(0).setTemporality(Temporality.CUMULATIVE);
        coalescer.write(keyed, false);
        coalescer.write(delete, true);
        coalescer.write(cumulative, true);
        assertThat(sink.written).extracting(MetricEventBatch::getEventId).containsExactly("b", "c", "d");
    }

    @Test
    void differentGroupingLabelsAreDifferentGroups() {
        for (int i = 0; i <= PushCoalescer.ROUNDS_IN_FLIGHT; i++) {
            coalescer.write(push("one-" + i, "checkout", Map.of("instance", "1"), 1, 1), true);
        }
        coalescer.write(push("two", "checkout", Map.of("instance", "2"), 1, 2), true);
        assertThat(sink.written).extracting(MetricEventBatch::getEventId).as("the last push into instance 1 waits, instance 2's does not")
                .hasSize(PushCoalescer.ROUNDS_IN_FLIGHT + 1).contains("two").doesNotContain("one-" + PushCoalescer.ROUNDS_IN_FLIGHT);
    }

    @Test
    void aFailedMergedWriteFailsEveryPushInItWithItsCause() {
        int rounds = fillRounds("checkout").size();
        CompletableFuture<Void> second = coalescer.write(push("b", "checkout", Map.of(), 1, 2), true);
        CompletableFuture<Void> third = coalescer.write(push("c", "checkout", Map.of(), 1, 3), true);
        sink.complete(0);
        sink.fail(rounds, new BatchSink.SinkException(BatchSink.SinkException.Kind.UNAVAILABLE, "down", null));
        for (CompletableFuture<Void> f : List.of(second, third)) {
            assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class).hasRootCauseMessage("down");
        }
        assertThat(sink.written).as("nothing is written again").hasSize(rounds + 1);
    }

    @Test
    void aMergedBatchTooLargeForTheSinkIsWrittenAgainPushByPush() {
        int rounds = fillRounds("checkout").size();
        CompletableFuture<Void> second = coalescer.write(push("b", "checkout", Map.of(), 1, 2), true);
        CompletableFuture<Void> third = coalescer.write(push("c", "checkout", Map.of(), 1, 3), true);
        sink.complete(0);
        sink.fail(rounds, new BatchSink.SinkException(BatchSink.SinkException.Kind.TOO_LARGE, "too large", null));
        assertThat(sink.written.subList(rounds + 1, sink.written.size())).extracting(MetricEventBatch::getEventId).containsExactly("b", "c");
        assertThat(second).isNotDone();
        sink.complete(rounds + 1);
        sink.fail(rounds + 2, new BatchSink.SinkException(BatchSink.SinkException.Kind.TOO_LARGE, "too large alone", null));
        assertThat(second).isCompleted();
        assertThatThrownBy(third::get).hasRootCauseMessage("too large alone");
    }

    @Test
    void aMergedBatchHoldsAtMostMaxPointsAndARoundMayHoldSeveral() {
        int rounds = fillRounds("checkout").size();
        for (int i = 0; i < 5; i++) {
            coalescer.write(push("p" + i, "checkout", Map.of(), 1, 4, 4, 4), true); // 3 points each, 10 at most a batch
        }
        sink.complete(0);
        assertThat(sink.written.subList(rounds, sink.written.size())).extracting(b -> b.getPoints().size()).containsExactly(9, 6);
        assertThat(coalescer.write(push("big", "checkout", Map.of(), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), true))
                .isNotNull();
        assertThat(sink.written.get(sink.written.size() - 1).getEventId()).as("a push of maxPoints or more is never merged").isEqualTo("big");
    }

    @Test
    void disabledWritesEveryPushAlone() {
        PushCoalescer off = new PushCoalescer(sink, Runnable::run, 10, false);
        off.write(push("a", "checkout", Map.of(), 1, 1), true);
        off.write(push("b", "checkout", Map.of(), 1, 2), true);
        assertThat(sink.written).extracting(MetricEventBatch::getEventId).containsExactly("a", "b");
    }

    @Test
    void aSinkThatThrowsFailsThePushesOfItsRoundAndTheGroupGoesOn() {
        List<CompletableFuture<Void>> inFlight = fillRounds("checkout");
        CompletableFuture<Void> waiting = coalescer.write(push("b", "checkout", Map.of(), 2, 1), true);
        CompletableFuture<Void> waiting2 = coalescer.write(push("c", "checkout", Map.of(), 2, 1), true);
        sink.throwNext = new IllegalStateException("serializer broke");
        sink.complete(0);
        assertThat(inFlight.get(0)).isCompleted();
        assertThatThrownBy(waiting::get).hasRootCauseMessage("serializer broke");
        assertThat(waiting2).as("merged with b: the same record, the same answer").isCompletedExceptionally();

        sink.complete(1);
        CompletableFuture<Void> later = coalescer.write(push("d", "checkout", Map.of(), 3, 1), true);
        assertThat(sink.written.get(sink.written.size() - 1).getEventId()).as("the group is not stuck").isEqualTo("d");
        sink.complete(sink.futures.size() - 1);
        assertThat(later).isCompleted();
        assertThat(coalescer.activeGroups()).isZero();
    }

    @Test
    void pushesWaitingWhenTheExecutorShutsDownAreFailedNotLeftHanging() {
        java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newSingleThreadExecutor();
        PushCoalescer closing = new PushCoalescer(sink, executor, 10, true);
        for (int i = 0; i < PushCoalescer.ROUNDS_IN_FLIGHT; i++) {
            closing.write(push("round-" + i, "checkout", Map.of(), 1, 1), true);
        }
        CompletableFuture<Void> waiting = closing.write(push("b", "checkout", Map.of(), 2, 1), true);
        executor.shutdown();
        sink.complete(0);
        assertThat(waiting).isCompletedExceptionally();
        sink.complete(1);
        assertThat(closing.activeGroups()).isZero();
    }

    /** Takes every round of {@code job}'s group with one push each; returns their futures. */
    private List<CompletableFuture<Void>> fillRounds(String job) {
        List<CompletableFuture<Void>> out = new ArrayList<>();
        for (int i = 0; i < PushCoalescer.ROUNDS_IN_FLIGHT; i++) {
            out.add(coalescer.write(push("round-" + i, job, Map.of(), 1, 1), true));
        }
        return out;
    }

    private static MetricEventBatch push(String id, String job, Map<String, String> grouping, long emitMillis, double... values) {
        List<MetricPoint> points = new ArrayList<>();
        for (double v : values) {
            points.add(MetricPoint.newBuilder().setName("requests_total").setType(MetricType.COUNTER).setValue(v).build());
        }
        return new MetricEventBatch(id, new Source(job, null, null, null), Instant.ofEpochMilli(emitMillis), Operation.RECORD,
                grouping, points);
    }

    /** Records every write; each completes when the test says. */
    private static final class HeldSink implements BatchSink {
        final List<MetricEventBatch> written = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<Void>> futures = new CopyOnWriteArrayList<>();
        RuntimeException throwNext;

        @Override
        public CompletableFuture<Void> write(MetricEventBatch batch, boolean uniqueId) {
            if (throwNext != null) {
                RuntimeException e = throwNext;
                throwNext = null;
                throw e;
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            written.add(batch);
            futures.add(f);
            return f;
        }

        void complete(int i) {
            futures.get(i).complete(null);
        }

        void fail(int i, Throwable error) {
            futures.get(i).completeExceptionally(error);
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public boolean writesWithoutWaiting() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
