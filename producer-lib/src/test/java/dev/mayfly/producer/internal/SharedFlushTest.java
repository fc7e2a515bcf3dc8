package dev.mayfly.producer.internal;

import dev.mayfly.producer.FlushException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Concurrent flushes of one container share their sends, and each returns only once its own records were sent. */
@Timeout(30)
class SharedFlushTest {
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @Test
    void flushesCalledWhileOneSendsShareTheNextSend() throws Exception {
        SharedFlush flushes = new SharedFlush(Duration.ofSeconds(10).toNanos());
        FirstSendWaits send = new FirstSendWaits(null, null);
        Future<Throwable> first = send.startFirst(flushes);
        List<Future<Throwable>> later = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            later.add(threads.submit(() -> outcome(flushes, send)));
        }
        awaitWaiting(flushes, 8); // the eight are waiting for the first send
        assertThat(send.sends.get()).isEqualTo(1);

        send.releaseFirst.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS)).isNull();
        for (Future<Throwable> f : later) {
            assertThat(f.get(5, TimeUnit.SECONDS)).isNull();
        }

        assertThat(send.sends.get()).as("the eight shared one send").isEqualTo(2);
    }

    @Test
    void everyFlushOfARoundGetsTheFailureOfItsSend() throws Exception {
        SharedFlush flushes = new SharedFlush(Duration.ofSeconds(10).toNanos());
        FirstSendWaits send = new FirstSendWaits(null, new FlushException("broker gone", "event-2", null));
        Future<Throwable> first = send.startFirst(flushes);
        List<Future<Throwable>> later = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            later.add(threads.submit(() -> outcome(flushes, send)));
        }
        awaitWaiting(flushes, 4);
        send.releaseFirst.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS)).isNull();

        for (Future<Throwable> f : later) {
            assertThat(f.get(5, TimeUnit.SECONDS)).isInstanceOf(FlushException.class).hasMessage("broker gone")
                    .satisfies(e -> assertThat(((FlushException) e).eventId()).isEqualTo("event-2"));
        }
        assertThat(send.sends.get()).isEqualTo(2);
    }

    @Test
    void aFlushWaitingForALongSendGivesUpAtItsTimeoutAndTheNextFlushTakesItsRecords() throws Exception {
        SharedFlush flushes = new SharedFlush(Duration.ofMillis(300).toNanos());
        AtomicInteger recorded = new AtomicInteger();
        AtomicInteger sent = new AtomicInteger();
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        SharedFlush.Send send = deadline -> {
            int taken = recorded.getAndSet(0);
            if (firstStarted.getCount() == 1) {
                firstStarted.countDown();
                await(releaseFirst);
            }
            sent.addAndGet(taken);
        };
        recorded.incrementAndGet();
        Future<?> first = threads.submit(() -> flush(flushes, send));
        firstStarted.await();
        recorded.incrementAndGet();
        long start = System.nanoTime();

        assertThatThrownBy(() -> flushes.flush(send)).isInstanceOf(FlushException.class)
                .hasMessageContaining("flush timeout reached while another flush of this container was sending");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(250), Duration.ofMillis(2000));

        releaseFirst.countDown();
        first.get(5, TimeUnit.SECONDS);
        flushes.flush(send);
        assertThat(sent.get()).as("both records sent, each once").isEqualTo(2);
    }

    /**
     * A send that drops its batch for good may have collected what a thread recorded just before it called flush
     * (that thread then waits for the next round): the next round's flushes report the drop, never success.
     */
    @Test
    void aBatchDroppedWhileAFlushWaitedIsReportedToIt() throws Exception {
        SharedFlush flushes = new SharedFlush(Duration.ofSeconds(10).toNanos());
        FirstSendWaits send = new FirstSendWaits(new FlushException("refused, and dropped", "event-1", null, true), null);
        Future<Throwable> first = send.startFirst(flushes);
        Future<Throwable> waiting = threads.submit(() -> outcome(flushes, send));
        awaitWaiting(flushes, 1);
        send.releaseFirst.countDown();

        assertThat(first.get(5, TimeUnit.SECONDS)).isInstanceOf(FlushException.class);
        Throwable reported = waiting.get(5, TimeUnit.SECONDS);
        assertThat(reported).isInstanceOf(FlushException.class).hasMessage("refused, and dropped");
        assertThat(((FlushException) reported).dropped()).isTrue();
        assertThat(((FlushException) reported).eventId()).isEqualTo("event-1");
        assertThat(send.sends.get()).as("the waiting flush still led its own round").isEqualTo(2);
        assertThat(outcome(flushes, send)).as("a later round, opened after the drop, succeeds").isNull();
    }

    /**
     * Points refused at collect time (an overflow to infinity) may be what a thread recorded just before it called
     * flush and then waited: its flush reports the refusal too, as for a dropped batch; each member a copy of it.
     */
    @Test
    void pointsRefusedWhileFlushesWaitedAreReportedToEach() throws Exception {
        SharedFlush flushes = new SharedFlush(Duration.ofSeconds(10).toNanos());
        IllegalArgumentException refusal = new IllegalArgumentException("1 point was not sent because Mayfly would reject it");
        FirstSendWaits send = new FirstSendWaits(refusal, null);
        Future<Throwable> first = send.startFirst(flushes);
        Future<Throwable> waiting1 = threads.submit(() -> outcome(flushes, send));
        Future<Throwable> waiting2 = threads.submit(() -> outcome(flushes, send));
        awaitWaiting(flushes, 2);
        send.releaseFirst.countDown();

        assertThat(first.get(5, TimeUnit.SECONDS)).isSameAs(refusal);
        for (Future<Throwable> waiting : List.of(waiting1, waiting2)) {
            Throwable reported = waiting.get(5, TimeUnit.SECONDS);
            assertThat(reported).isInstanceOf(IllegalArgumentException.class).hasMessage(refusal.getMessage()).isNotSameAs(refusal);
            assertThat(reported.getCause()).isSameAs(refusal);
        }
        assertThat(send.sends.get()).as("the waiting flushes shared one more send").isEqualTo(2);
        assertThat(outcome(flushes, send)).as("a later round, opened after the refusal, succeeds").isNull();
    }

    /** A flush called after a send that lost records had ended cannot have had records in it: it is not told. */
    @Test
    void aFlushCalledAfterALossySendEndedIsNotToldOfIt() throws Exception {
        SharedFlush flushes = new SharedFlush(Duration.ofSeconds(10).toNanos());
        FirstSendWaits send = new FirstSendWaits(new FlushException("refused, and dropped", "event-1", null, true), null);
        Future<Throwable> first = send.startFirst(flushes);
        AtomicReference<Throwable> gaveUp = new AtomicReference<>();
        Thread member = new Thread(() -> gaveUp.set(outcome(flushes, send)));
        member.start();
        awaitWaiting(flushes, 1);
        member.interrupt(); // it leaves the next round, which stays open with no member
        member.join(5_000);
        assertThat(gaveUp.get()).isInstanceOf(FlushException.class).hasMessageContaining("interrupted");
        send.releaseFirst.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS)).isInstanceOf(FlushException.class);

        assertThat(outcome(flushes, send)).as("called after the drop, it joins the round opened during it").isNull();
        assertThat(send.sends.get()).isEqualTo(2);
    }

    /** When a round's own send fails too, the previous send's loss still reaches its members, as a suppressed one. */
    @Test
    void aLossIsNotHiddenByTheNextSendsOwnFailure() throws Exception {
        SharedFlush flushes = new SharedFlush(Duration.ofSeconds(10).toNanos());
        IllegalArgumentException refusal = new IllegalArgumentException("1 point was not sent because Mayfly would reject it");
        FirstSendWaits send = new FirstSendWaits(refusal, new FlushException("not acknowledged", "event-2", null));
        Future<Throwable> first = send.startFirst(flushes);
        Future<Throwable> waiting = threads.submit(() -> outcome(flushes, send));
        awaitWaiting(flushes, 1);
        send.releaseFirst.countDown();

        assertThat(first.get(5, TimeUnit.SECONDS)).isSameAs(refusal);
        Throwable reported = waiting.get(5, TimeUnit.SECONDS);
        assertThat(reported).isInstanceOf(FlushException.class).hasMessage("not acknowledged");
        assertThat(((FlushException) reported).dropped()).isFalse();
        assertThat(reported.getSuppressed()).singleElement().isInstanceOf(IllegalArgumentException.class)
                .extracting(Throwable::getCause).isSameAs(refusal);
    }

    /** A send that fails and keeps its batch pending is no reason to fail the next round: that round resends it. */
    @Test
    void aBatchKeptPendingWhileAFlushWaitedIsNotReportedToIt() throws Exception {
        SharedFlush flushes = new SharedFlush(Duration.ofSeconds(10).toNanos());
        FirstSendWaits send = new FirstSendWaits(new FlushException("not acknowledged", "event-1", null), null);
        Future<Throwable> first = send.startFirst(flushes);
        Future<Throwable> waiting = threads.submit(() -> outcome(flushes, send));
        awaitWaiting(flushes, 1);
        send.releaseFirst.countDown();

        assertThat(first.get(5, TimeUnit.SECONDS)).isInstanceOf(FlushException.class);
        assertThat(waiting.get(5, TimeUnit.SECONDS)).isNull();
    }

    /** Many threads record, then flush: when a flush returns, everything its thread recorded before was sent. */
    @Test
    void aFlushReturnsOnlyAfterASendThatSawEverythingItsThreadRecordedBefore() throws Exception {
        int n = 16;
        AtomicLongArray recorded = new AtomicLongArray(n);
        AtomicLongArray sent = new AtomicLongArray(n);
        AtomicInteger sends = new AtomicInteger();
        SharedFlush flushes = new SharedFlush(Duration.ofSeconds(10).toNanos());
        SharedFlush.Send send = deadline -> {
            long[] seen = new long[n];
            for (int t = 0; t < n; t++) {
                seen[t] = recorded.get(t);
            }
            sends.incrementAndGet();
            sleep(2); // a round trip
            for (int t = 0; t < n; t++) {
                sent.set(t, Math.max(sent.get(t), seen[t]));
            }
        };
        AtomicInteger violations = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            int me = t;
            workers.add(threads.submit(() -> {
                for (int i = 0; i < 200; i++) {
                    long mine = recorded.incrementAndGet(me);
                    flush(flushes, send);
                    if (sent.get(me) < mine) {
                        violations.incrementAndGet();
                    }
                }
            }));
        }
        for (Future<?> w : workers) {
            w.get(60, TimeUnit.SECONDS);
        }

        assertThat(violations.get()).isZero();
        assertThat(sends.get()).as("3,200 flushes shared far fewer sends").isLessThan(n * 200 / 2);
    }

    /** A send whose first run waits until released and then throws {@code first}; later runs throw {@code later}. */
    private final class FirstSendWaits implements SharedFlush.Send {
        final AtomicInteger sends = new AtomicInteger();
        final CountDownLatch firstStarted = new CountDownLatch(1);
        final CountDownLatch releaseFirst = new CountDownLatch(1);
        private final Exception first;
        private final FlushException later;

        /** @param first a {@link FlushException} or a {@link RuntimeException} */
        FirstSendWaits(Exception first, FlushException later) {
            this.first = first;
            this.later = later;
        }

        @Override
        public void run(long deadlineNanos) throws FlushException {
            if (sends.incrementAndGet() == 1) {
                firstStarted.countDown();
                await(releaseFirst);
                if (first instanceof FlushException e) {
                    throw e;
                } else if (first != null) {
                    throw (RuntimeException) first;
                }
            } else if (later != null) {
                throw later;
            }
        }

        /** Starts a flush that leads the first send, and returns once that send is running. */
        Future<Throwable> startFirst(SharedFlush flushes) throws InterruptedException {
            Future<Throwable> f = threads.submit(() -> outcome(flushes, this));
            firstStarted.await();
            return f;
        }
    }

    private static Throwable outcome(SharedFlush flushes, SharedFlush.Send send) {
        try {
            flushes.flush(send);
            return null;
        } catch (FlushException | RuntimeException e) {
            return e;
        }
    }

    private static void awaitWaiting(SharedFlush flushes, int members) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (flushes.waitingForNextRound() < members) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(flushes.waitingForNextRound() + " of " + members + " flushes waiting");
            }
            Thread.sleep(5);
        }
    }

    private static void flush(SharedFlush flushes, SharedFlush.Send send) {
        try {
            flushes.flush(send);
        } catch (FlushException e) {
            throw new AssertionError(e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
