package dev.mayfly.streams.internal;

/** The running statistics of one series in one open tumbling window (value of the windows store). */
final class WindowAccumulator {
    double sum;
    double max = Double.NEGATIVE_INFINITY;
    double min = Double.POSITIVE_INFINITY;
    long count;

    void add(double v) {
        sum += v;
        max = Math.max(max, v);
        min = Math.min(min, v);
        count++;
    }

    double stat(Rule.WindowStat stat) {
        return switch (stat) {
            case SUM -> sum;
            case MAX -> max;
            case MIN -> min;
            case AVG -> count == 0 ? 0 : sum / count;
        };
    }

    byte[] encode() {
        return new Binary.Writer(32).writeDouble(sum).writeDouble(max).writeDouble(min).writeLong(count).toByteArray();
    }

    static WindowAccumulator decode(byte[] bytes) {
        WindowAccumulator a = new WindowAccumulator();
        if (bytes != null) {
            Binary.Reader r = new Binary.Reader(bytes);
            a.sum = r.readDouble();
            a.max = r.readDouble();
            a.min = r.readDouble();
            a.count = r.readLong();
        }
        return a;
    }
}
