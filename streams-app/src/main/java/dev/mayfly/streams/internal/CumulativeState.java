package dev.mayfly.streams.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * What one cumulative stream (stream id) reported for one series: per epoch (start time), the highest total seen.
 * Turns cumulative totals into deltas, tolerating reordering within the allowed lateness:
 * <ul>
 *   <li>known epoch, total grew: delta = total - the epoch's previous total;</li>
 *   <li>newest epoch, total went down at a newer event time: a reset the client did not mark with a new start time,
 *   delta = total; for a stream with start times, only when more than {@link #REORDER_WINDOW_MS} after the stream's
 *   newest counted total (closer, it is an older total that arrived late: two pushes of one client in flight at
 *   once; farther, a source whose start time is its observer's, such as a collector scraping a server that
 *   restarted);</li>
 *   <li>known epoch, total went down otherwise: a reordered point already included, delta = 0;</li>
 *   <li>unknown epoch (a new start time, or an older one arriving late): delta = total.</li>
 * </ul>
 * An epoch is a start time and, for a histogram, a bucket layout: a client cannot change a histogram's bounds without
 * starting it again, so a total with other bounds begins an epoch of its own (counted whole), and a late total of
 * the old bounds still grows its own epoch, in either arrival order; a total of the old bounds newer than the other
 * bounds' last one is the source started again with its old bounds (a rollback), counted whole.
 * The {@value #MAX_EPOCHS} newest epochs are kept; a point of an epoch older than those is counted whole again.
 */
final class CumulativeState {
    static final int MAX_EPOCHS = 4;
    /** A lower total of a known start time this close (event time) to the stream's newest counted one is not a reset. */
    static final long REORDER_WINDOW_MS = 5_000;

    /** The change of a counter or histogram; {@code stale} when there is nothing to add. */
    record Delta(boolean stale, double value, Histogram histogram) {
        static final Delta STALE = new Delta(true, 0, null);
    }

    private static final class Epoch {
        long startTime;
        double total;
        Histogram histogram;
        /** The newest event time counted in this epoch. */
        long lastEventTime;

        Epoch(long startTime, double total, Histogram histogram, long lastEventTime) {
            this.startTime = startTime;
            this.total = total;
            this.histogram = histogram;
            this.lastEventTime = lastEventTime;
        }
    }

    /** Epochs by start time, oldest first. */
    private final List<Epoch> epochs = new ArrayList<>(2);
    long lastEventTime;

    static CumulativeState first(Update u) {
        CumulativeState s = new CumulativeState();
        s.epochs.add(new Epoch(u.startTime, u.value, copy(u.histogram), u.eventTime));
        s.lastEventTime = u.eventTime;
        return s;
    }

    static Delta full(Update u) {
        return new Delta(false, u.value, copy(u.histogram));
    }

    Delta apply(Update u) {
        int newest = epochs.size() - 1;
        for (int i = newest; i >= 0; i--) {
            Epoch e = epochs.get(i);
            if (e.startTime != u.startTime || !sameLayout(e, u)) {
                continue;
            }
            if (startedAgainWithItsLayout(e, u)) {
                // the stream went to other bounds after this epoch's last total and u is newer still: its source
                // started again with these bounds (a rollback), counted whole, and it is the newest epoch now
                epochs.remove(i);
                epochs.add(new Epoch(u.startTime, u.value, copy(u.histogram), u.eventTime));
                lastEventTime = Math.max(lastEventTime, u.eventTime);
                return full(u);
            }
            Delta d = grow(e, u);
            if (d != null) {
                e.total = u.value;
                e.histogram = copy(u.histogram);
                e.lastEventTime = Math.max(e.lastEventTime, u.eventTime);
                lastEventTime = Math.max(lastEventTime, u.eventTime);
                return d;
            }
            if (i == newest && u.eventTime > lastEventTime
                    && (u.startTime == Update.NO_START_TIME || u.eventTime - lastEventTime > REORDER_WINDOW_MS)) {
                e.total = u.value;
                e.histogram = copy(u.histogram);
                e.lastEventTime = Math.max(e.lastEventTime, u.eventTime);
                lastEventTime = Math.max(lastEventTime, u.eventTime);
                return full(u);
            }
            return Delta.STALE;
        }
        int at = 0;
        while (at < epochs.size() && epochs.get(at).startTime <= u.startTime) { // after those of its start time: the newest
            at++;
        }
        epochs.add(at, new Epoch(u.startTime, u.value, copy(u.histogram), u.eventTime));
        if (epochs.size() > MAX_EPOCHS) {
            epochs.remove(0);
        }
        lastEventTime = Math.max(lastEventTime, u.eventTime);
        return full(u);
    }

    /**
     * Whether another bucket layout of the same start time was counted after {@code e}'s last total and {@code u} is
     * newer than that: the stream left e's bounds and came back to them, so it started again (a late total of e's own
     * bounds is older than the other layout's and still grows e).
     */
    private boolean startedAgainWithItsLayout(Epoch e, Update u) {
        for (Epoch o : epochs) {
            if (o != e && o.startTime == e.startTime && !sameLayout(o, u)
                    && o.lastEventTime > e.lastEventTime && u.eventTime > o.lastEventTime) {
                return true;
            }
        }
        return false;
    }

    /** Whether u's histogram has the epoch's bucket layout (a client cannot change it without starting again). */
    private static boolean sameLayout(Epoch e, Update u) {
        return e.histogram == null || u.histogram == null || e.histogram.sameBounds(u.histogram);
    }

    /** The growth from the epoch's total to u, or null when u is lower somewhere. */
    private static Delta grow(Epoch e, Update u) {
        if (u.histogram == null) {
            return u.value >= e.total ? new Delta(false, u.value - e.total, null) : null;
        }
        Histogram growth = e.histogram == null ? null : e.histogram.growthTo(u.histogram);
        return growth == null ? null : new Delta(false, 0, growth);
    }

    private static Histogram copy(Histogram h) {
        return h == null ? null : h.copy();
    }

    byte[] encode() {
        Binary.Writer w = new Binary.Writer(32 + 24 * epochs.size());
        w.writeByte(2).writeLong(lastEventTime).writeInt(epochs.size());
        for (Epoch e : epochs) {
            w.writeLong(e.startTime).writeDouble(e.total);
            if (e.histogram == null) {
                w.writeByte(0);
            } else {
                w.writeByte(1);
                e.histogram.write(w);
            }
        }
        for (Epoch e : epochs) { // after what version 2 always held: a reader of it ignores these
            w.writeLong(e.lastEventTime);
        }
        return w.toByteArray();
    }

    static CumulativeState decode(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        Binary.Reader r = new Binary.Reader(bytes);
        int version = r.readByte();
        if (version != 2) {
            throw new IllegalStateException("unknown cumulative state version " + version);
        }
        CumulativeState s = new CumulativeState();
        s.lastEventTime = r.readLong();
        int n = r.readInt();
        for (int i = 0; i < n; i++) {
            long start = r.readLong();
            double total = r.readDouble();
            Histogram h = r.readByte() == 1 ? Histogram.read(r) : null;
            s.epochs.add(new Epoch(start, total, h, s.lastEventTime));
        }
        if (!r.atEnd()) { // each epoch's newest event time (written since layouts were told apart)
            for (Epoch e : s.epochs) {
                e.lastEventTime = r.readLong();
            }
        }
        return s;
    }
}
