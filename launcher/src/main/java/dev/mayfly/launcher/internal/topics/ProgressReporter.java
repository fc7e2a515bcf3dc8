package dev.mayfly.launcher.internal.topics;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * Shows progress through a range on stderr: on a terminal a bar redrawn in place (at most 5 times a second),
 * otherwise a plain line every 5 seconds. Counts records as the caller reads them; the percent and rate are in
 * offsets of the range. Not thread-safe: one reader calls it.
 */
public final class ProgressReporter {
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final long LINE_NANOS = 5_000_000_000L;
    private static final int BAR_WIDTH = 30;

    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier nanoTime;
    private final long total;
    private final long startNanos;
    private long lastShown;
    private long records;
    private long done;
    private boolean drawn;

    public ProgressReporter(PrintStream out, boolean terminal, LongSupplier nanoTime, long total) {
        this.out = out;
        this.terminal = terminal;
        this.nanoTime = nanoTime;
        this.total = total;
        this.startNanos = nanoTime.getAsLong();
        this.lastShown = startNanos;
    }

    /**
     * To stderr, as a bar when the process has a terminal ({@code System.console()}) and the command's output does not
     * go to it too ({@code outputOnStdout}: the bar would be drawn across the records), else as plain lines.
     */
    public static ProgressReporter onStderr(long total, boolean outputOnStdout) {
        return new ProgressReporter(System.err, System.console() != null && !outputOnStdout, System::nanoTime, total);
    }

    /** One more record read. */
    public void record() {
        records++;
    }

    /** For a reader that learns its progress in totals (a replay, from committed offsets): {@code total} records read so far. */
    public void recordsRead(long total) {
        records = total;
    }

    /** {@code done} offsets of the range are read; shows progress if it is time to. */
    public void update(long done) {
        this.done = done;
        long now = nanoTime.getAsLong();
        if (now - lastShown < (terminal ? REDRAW_NANOS : LINE_NANOS)) {
            return;
        }
        lastShown = now;
        if (terminal) {
            out.print("\r" + ProgressFormat.bar(done, total, records, rate(now), BAR_WIDTH) + "\u001b[K");
            drawn = true;
        } else {
            out.println(ProgressFormat.line(done, total, records, rate(now)));
        }
        out.flush();
    }

    /** Offsets per second since the start. */
    private double rate(long now) {
        double seconds = (now - startNanos) / 1e9;
        return seconds <= 0 ? 0 : done / seconds;
    }

    public long records() {
        return records;
    }

    /** Seconds since the start. */
    public double elapsedSeconds() {
        return (nanoTime.getAsLong() - startNanos) / 1e9;
    }

    /** Ends the bar (if one is drawn) and prints {@code summary} on its own line. */
    public void finish(String summary) {
        if (drawn) {
            out.print("\r\u001b[K");
        }
        out.println(summary);
        out.flush();
    }
}
