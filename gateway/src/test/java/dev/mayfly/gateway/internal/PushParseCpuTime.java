package dev.mayfly.gateway.internal;

import java.lang.management.ManagementFactory;

/**
 * Thread CPU time and allocation per {@link PushParseBenchmark#push()}, for a machine too loaded for JMH's wall-clock
 * scores: 3M warm-up calls, then 10 rounds of 300k. Not a test. After {@code gateway/bench/parse-bench.sh} compiled the
 * tests and wrote the classpath: {@code cd gateway && java -cp target/test-classes:target/classes:$(cat
 * target/bench/classpath.txt) dev.mayfly.gateway.internal.PushParseCpuTime}.
 */
public final class PushParseCpuTime {
    private PushParseCpuTime() {
    }

    public static void main(String[] args) {
        PushParseBenchmark b = new PushParseBenchmark();
        b.setup();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Object sink = null;
        for (int i = 0; i < 3_000_000; i++) {
            sink = b.push();
        }
        StringBuilder out = new StringBuilder("push cpu ns/op:");
        for (int r = 0; r < 10; r++) {
            long t0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < 300_000; i++) {
                sink = b.push();
            }
            out.append(' ').append((mx.getCurrentThreadCpuTime() - t0) / 300_000);
        }
        long id = Thread.currentThread().getId();
        long a0 = mx.getThreadAllocatedBytes(id);
        for (int i = 0; i < 300_000; i++) {
            sink = b.push();
        }
        System.out.println(out + "; B/op " + (mx.getThreadAllocatedBytes(id) - a0) / 300_000 + (sink == null ? "" : ""));
    }
}
