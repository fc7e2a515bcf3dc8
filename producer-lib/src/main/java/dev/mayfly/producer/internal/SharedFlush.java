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
 *       original as its cause): the records stay pending in the {@link BatchSender}, and the next flush resends them.
 *       When the send running at the call lost records for good (its batch dropped, {@link FlushException#dropped},
 *       or points refused, {@link IllegalArgumentException}), it throws that too: the caller's records may have been
 *       among them.</li>
 *   <li>A member whose time is up, or whose thread is interrupted, never leads a round (the round would fail for
 *       all); it gives up with a {@link FlushException} and the next member leads. What it recorded is either in a
 *       send still running (pending there if that fails) or not collected yet (the next flush takes it). A member
 *       waits at most the flush timeout; the round it leads gets the time it has left, and a Kafka producer that
 *       cannot fetch metadata may block that send up to its {@code max.block.ms} (the flush timeout) more.</li>
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
            while (true) {
                if (mine.done) {
                    mine.rethrow();
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
                if (open != null && lostRecords(failure)) {
                    open.previousDrop = failure; // the next round opened while this one sent: its records may have been in it
                }
                mine.changed.signalAll(); // its members return
                if (open != null) {
                    open.changed.signal(); // one member of the next round leads it
                }
            } finally {
                lock.unlock();
            }
        }
        mine.rethrowAsLeader();
    }

    /**
     * Whether a send's failure means some records it collected will never be counted: a batch refused for good, or
     * points refused at collect time ({@link IllegalArgumentException}, the others sent). A failure that keeps the
     * batch pending loses nothing: the next send resends it.
     */
    private static boolean lostRecords(Throwable failure) {
        return failure instanceof FlushException e ? e.dropped() : failure instanceof IllegalArgumentException;
    }

    /** Members waiting in the round that has not started yet (for tests). */
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
        /** The loss (a drop or refused points) of the send that ran while this round was open: its collect may have taken this round's records. */
        private Throwable previousDrop;
        private boolean done;
        private Throwable failure;

        Round(Condition changed) {
            this.changed = changed;
        }

        /** A member's outcome: a copy of the failure, so each thread gets its own stack trace. */
        void rethrow() throws FlushException {
            Throwable f = outcome();
            if (f instanceof FlushException e) {
                throw new FlushException(e.getMessage(), e.eventId(), e, e.dropped());
            }
            if (f instanceof IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            if (f != null) {
                throw new IllegalStateException("the flush this one shared failed: " + f, f);
            }
        }

        /** The leader's outcome: the send's own failure, or a copy of the previous round's drop. */
        void rethrowAsLeader() throws FlushException {
            if (failure == null) {
                rethrow();
            } else if (failure instanceof FlushException e) {
                throw e;
            } else if (failure instanceof RuntimeException e) {
                throw e;
            } else if (failure instanceof Error e) {
                throw e;
            } else {
                throw new IllegalStateException(failure);
            }
        }

        /** This round's failure; else the previous round's, when it lost records that may be this round's. */
        private Throwable outcome() {
            return failure != null ? failure : previousDrop;
        }
    }
}
