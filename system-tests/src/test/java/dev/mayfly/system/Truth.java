package dev.mayfly.system;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the exporter must show: for each counter sample (as written in text 0.0.4, labels sorted), the sum of the
 * increments whose batch was acknowledged. Only the generator adds to it, and only after an acknowledgement.
 */
final class Truth {
    private final Map<String, AtomicLong> totals = new ConcurrentHashMap<>();

    void acknowledged(String sample, long increment) {
        totals.computeIfAbsent(sample, k -> new AtomicLong()).addAndGet(increment);
    }

    Map<String, Long> expected() {
        Map<String, Long> out = new TreeMap<>();
        totals.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** The samples whose exported value differs from the truth (missing ones count as differing). */
    Map<String, String> differences(Map<String, Double> exported) {
        Map<String, String> diff = new TreeMap<>();
        expected().forEach((sample, value) -> {
            Double got = exported.get(sample);
            if (got == null || got.doubleValue() != value.doubleValue()) {
                diff.put(sample, "expected " + value + ", exported " + got);
            }
        });
        return diff;
    }
}
