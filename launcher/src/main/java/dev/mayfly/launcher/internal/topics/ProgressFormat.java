package dev.mayfly.launcher.internal.topics;

import java.util.Locale;

/** How progress through a range reads: a bar for a terminal, a plain line for logs. Pure functions. */
public final class ProgressFormat {
    private ProgressFormat() {
    }

    /**
     * One terminal line: {@code [######......]  42%  12,345 records  3,200/s  ETA 0:05}. {@code done} and
     * {@code total} are offsets of the range; {@code records} what was read; {@code rate} offsets per second.
     */
    public static String bar(long done, long total, long records, double rate, int width) {
        int filled = total <= 0 ? width : (int) Math.min(width, done * width / total);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + String.format(Locale.ROOT, "%3d%%", percent(done, total))
                + "  " + count(records) + " records  " + count(Math.round(rate)) + "/s  ETA " + eta(done, total, rate);
    }

    /** One log line: {@code 42% of the range, 12,345 records, 3,200/s, ETA 0:05}. */
    public static String line(long done, long total, long records, double rate) {
        return percent(done, total) + "% of the range, " + count(records) + " records, " + count(Math.round(rate))
                + "/s, ETA " + eta(done, total, rate);
    }

    /** Whole percent of {@code done} out of {@code total}; 100 for an empty range. */
    public static int percent(long done, long total) {
        return total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
    }

    /** The time left at {@code rate} per second as {@code m:ss} or {@code h:mm:ss}; {@code ?} with no rate yet. */
    public static String eta(long done, long total, double rate) {
        if (done >= total) {
            return "0:00";
        }
        if (rate <= 0 || Double.isNaN(rate)) {
            return "?";
        }
        return clock(Math.round((total - done) / rate));
    }

    /** Seconds as {@code m:ss} or {@code h:mm:ss}. */
    public static String clock(long seconds) {
        long h = seconds / 3600;
        long m = seconds % 3600 / 60;
        long s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s) : String.format(Locale.ROOT, "%d:%02d", m, s);
    }

    /** A count and its noun: {@code 1 record}, {@code 12,345 records}. */
    public static String count(long n, String one, String many) {
        return count(n) + " " + (n == 1 ? one : many);
    }

    /** A count with thousands separators: {@code 12,345}. */
    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
