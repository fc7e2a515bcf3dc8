package dev.mayfly.producer.internal;

import dev.mayfly.producer.FlushException;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lets the concurrent flushes of one container's metrics share their sends, as a database shares a log write among
 * the commits waiting for it: a flush called while another one is sending joins the next round; when the send ends,
 * one member of that round collects and sends everything recorded by then, for all of its members. So a container
 * serving N invocations at once costs about one batch per round trip to Kafka, not N batches one after the other
 * (each waiting for the one before).
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #flush} returns normally only when everything its caller recorded before calling it was sent and
 *       acknowledged: the round it joined started after the call, so the round's collect saw those records (or the
 *       send running at the call did, and then that send was acknowledged too, or its batch resent by this one).</li>
 *   <li>It throws what the send of its round threw (a member gets a copy naming the same event id, with the
 *       original as its cause); what that means for the records is the {@link Send}'s contract. When the send
 *       running at the call lost records for good, it throws that loss too (alone when its own round succeeded, else
 *       as a suppressed exception): the caller's records may have been among them. A flush called when no send was
 *       running is never told of an earlier send's loss.</li>
 *   <li>A member whose time is up, or whose thread is interrupted, never leads a round (the round would fail for
 *       all); it gives up with a {@link FlushException} and the next member leads. What it recorded is either in a
 *       send still running (pending there if that fails) or not collected yet (the next flush takes it). A member
 *       waits at most the flush timeout; the round it leads gets the time it has left, and a Kafka producer that
 *       cannot fetch metadata may block that send up to its {@code max.block.ms} (the flush timeout) more.</li>
 *   <li>Thread-safe; at most one send runs at a time, on the thread of one of its round's members.</li>
 * </ul>
 */
public final class SharedFlush {
    /**
     * Collects what was recorded and sends it, acknowledged before {@code deadlineNanos} ({@link System#nanoTime}).
     * What it throws says what became of the records it collected: a {@link FlushException} that is not
     * {@link FlushException#dropped} keeps them pending (the next send resends them), and a suppressed
     * {@link IllegalArgumentException} in it means some points were refused before the send and are gone; an
     * {@link IllegalArgumentException} alone means those were refused and the others sent; a dropped
     * {@link FlushException}, or anything else, means the records are lost.
     */
    public interface Send {
        void run(long deadlineNanos) throws FlushException;
    }

    private final long timeoutNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private Round open;
    private boolean sending;

    public SharedFlush(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
    }

    /** Joins the next round of sends, leading it when no send runs; see the contract above. */
    public void flush(Send send) throws FlushException {
        long deadline = System.nanoTime() + timeoutNanos;
        Round mine;
        boolean duringSend; // whether a send ran when this flush joined: a round is open during at most one send
        lock.lock();
        try {
            if (open == null) {
                open = new Round(lock.newCondition());
            }
            mine = open;
            duringSend = sending;
            while (true) {
                if (mine.done) {
                    mine.rethrow(duringSend, false);
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    leave(mine);
                    throw new FlushException("flush timeout reached while another flush of this container was sending", null, null);
                }
                if (Thread.interrupted()) {
                    leave(mine);
                    Thread.currentThread().interrupt();
                    throw new FlushException("flush interrupted before it could send", null, null);
                }
                if (open == mine && !sending) {
                    break; // lead it
                }
                try {
                    mine.changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // handled at the top of the loop
                }
            }
            open = null; // later flushes start the next round: what they record may miss this round's collect
            sending = true;
        } finally {
            lock.unlock();
        }
        Throwable failure = null;
        try {
            send.run(deadline);
        } catch (Throwable e) {
            failure = e;
        } finally {
            lock.lock();
            try {
                mine.failure = failure;
                mine.done = true;
                sending = false;
                Throwable loss = lossOf(failure);
                if (open != null && loss != null) {
                    open.previousLoss = loss; // the next round opened while this one sent: its records may have been in it
                }
                mine.changed.signalAll(); // its members return
                if (open != null) {
                    open.changed.signal(); // one member of the next round leads it
                }
            } finally {
                lock.unlock();
            }
        }
        mine.rethrow(duringSend, true);
    }

    /** What of a send's failure says records it collected will never be counted ({@link Send}); null when none. */
    private static Throwable lossOf(Throwable failure) {
        if (failure instanceof FlushException e && !e.dropped()) {
            for (Throwable s : e.getSuppressed()) {
                if (s instanceof IllegalArgumentException) {
                    return s;
                }
            }
            return null;
        }
        return failure;
    }

    /**
     * Members parked in the round that has not started yet (for tests): an estimate, as {@link
     * ReentrantLock#getWaitQueueLength} is; a member woken but not yet holding the lock again is not counted.
     */
    int waitingForNextRound() {
        lock.lock();
        try {
            return open == null ? 0 : lock.getWaitQueueLength(open.changed);
        } finally {
            lock.unlock();
        }
    }

    /** A member giving up on {@code round}: when it may have been the one woken to lead, wake another. */
    private void leave(Round round) {
        if (open == round && !sending) {
            round.changed.signal();
        }
    }

    /** The flushes that share one send; its members wait on {@code changed}. Guarded by the owner's lock. */
    private static final class Round {
        private final Condition changed;
        /** The loss (see {@link #lossOf}) of the send that ran while this round was open: it may be its members'. */
        private Throwable previousLoss;
        private boolean done;
        private Throwable failure;

        Round(Condition changed) {
            this.changed = changed;
        }

        /**
         * A member's outcome: the send's failure (the leader its own, the others a copy, so each thread gets its own
         * stack trace), with the previous send's loss when the member joined during that send.
         */
        void rethrow(boolean joinedDuringSend, boolean leader) throws FlushException {
            Throwable loss = joinedDuringSend ? previousLoss : null;
            if (failure == null) {
                if (loss != null) {
                    throw asThrown(copy(loss));
                }
                return;
            }
            Throwable thrown = leader && loss == null ? failure : copy(failure);
            if (loss != null) {
                thrown.addSuppressed(copy(loss));
            }
            throw asThrown(thrown);
        }

        private static Throwable copy(Throwable f) {
            if (f instanceof FlushException e) {
                return new FlushException(e.getMessage(), e.eventId(), e, e.dropped());
            }
            if (f instanceof IllegalArgumentException e) {
                return new IllegalArgumentException(e.getMessage(), e);
            }
            return new IllegalStateException("the flush this one shared failed: " + f, f);
        }

        private static FlushException asThrown(Throwable t) {
            if (t instanceof FlushException e) {
                return e;
            }
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(t);
        }
    }
}
