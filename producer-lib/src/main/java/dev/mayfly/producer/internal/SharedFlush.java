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
 *       acknowledged: the round it joined started after the call, so the round's collect saw those records.</li>
 *   <li>It throws what the send of its round threw (a member gets a copy naming the same event id, with the
 *       original as its cause): the records stay pending in the {@link BatchSender}, and the next flush resends them.
 *       </li>
 *   <li>It never blocks longer than the flush timeout from its call: a member still waiting then gives up with a
 *       {@link FlushException}; what it recorded is either in a send still running (pending there if that fails) or
 *       not collected yet (the next flush takes it). A member that starts its round late gets only the time it has
 *       left for the send.</li>
 *   <li>Thread-safe; at most one send runs at a time, on the thread of one of its round's members.</li>
 * </ul>
 */
public final class SharedFlush {
    /** Collects what was recorded and sends it, acknowledged before {@code deadlineNanos} ({@link System#nanoTime}). */
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
        lock.lock();
        try {
            if (open == null) {
                open = new Round(lock.newCondition());
            }
            mine = open;
            while (!(open == mine && !sending)) {
                if (mine.done) {
                    mine.rethrow();
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    passOn(mine);
                    throw new FlushException("flush timeout reached while an earlier flush of this container was sending", null, null);
                }
                try {
                    mine.changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    passOn(mine);
                    Thread.currentThread().interrupt();
                    throw new FlushException("interrupted while an earlier flush of this container was sending", null, e);
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
        } catch (FlushException | RuntimeException | Error e) {
            failure = e;
        } finally {
            lock.lock();
            try {
                mine.failure = failure;
                mine.done = true;
                sending = false;
                mine.changed.signalAll(); // its members return
                if (open != null) {
                    open.changed.signal(); // one member of the next round leads it
                }
            } finally {
                lock.unlock();
            }
        }
        if (failure != null) {
            mine.rethrowOriginal();
        }
    }

    /** A member leaving {@code round} (timeout, interrupt): when it may have been the one woken to lead, wake another. */
    private void passOn(Round round) {
        if (open == round && !sending) {
            round.changed.signal();
        }
    }

    /** The flushes that share one send; its members wait on {@code changed}. Guarded by the owner's lock. */
    private static final class Round {
        private final Condition changed;
        private boolean done;
        private Throwable failure;

        Round(Condition changed) {
            this.changed = changed;
        }

        /** A member's outcome: a copy of the send's failure, so each thread gets its own stack trace. */
        void rethrow() throws FlushException {
            if (failure instanceof FlushException f) {
                throw new FlushException(f.getMessage(), f.eventId(), f);
            }
            if (failure instanceof IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            if (failure != null) {
                throw new IllegalStateException("the flush this one shared failed: " + failure, failure);
            }
        }

        /** The leader's outcome: the send's own failure. */
        void rethrowOriginal() throws FlushException {
            if (failure instanceof FlushException f) {
                throw f;
            }
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            throw (Error) failure;
        }
    }
}
