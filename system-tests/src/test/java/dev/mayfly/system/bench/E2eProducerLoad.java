package dev.mayfly.system.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.mayfly.producer.Counter;
import dev.mayfly.producer.FlushException;
import dev.mayfly.producer.Gauge;
import dev.mayfly.producer.Histogram;
import dev.mayfly.producer.MayflyMetrics;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * For bench/e2e.sh, workload (c): a fleet of warm containers using the producer library. Each thread is one container
 * (its own {@link MayflyMetrics}, so its own Kafka producer, or its own kept-alive connection to the gateway) running
 * invocations back to back; each invocation records 10 points and calls {@code flush()}, which returns once Kafka
 * acknowledged the batch (directly, or through the gateway's events API). Points per flush:
 * {@code e2e_invocations_total} +1 (the value the benchmark checks on /metrics), {@code e2e_requests_total} over 4
 * routes, {@code e2e_bytes_total} in and out, {@code e2e_memory_bytes}, {@code e2e_cold_start} and one
 * {@code e2e_duration_seconds} histogram.
 *
 * <p>Arguments: bootstrap servers (or the gateway's URL, {@code http://...}: the HTTP transport), threads, seconds, job,
 * and threads per container (default 1; more: a container serving that many invocations at once with one
 * {@code MayflyMetrics}, whose concurrent flushes share their sends). Each thread first runs one warm-up invocation (its
 * container's cold start: producer, metadata, producer id); then it prints "cold-starts N" and "start EPOCH_MS" and the timed load runs;
 * at the end "end EPOCH_MS", "acknowledged N" (flushes that returned normally), "failed N" (flushes that threw; their
 * batch stays pending and is resent by the next flush, so it lands once), the rate, and "process-cpu-ms N" (this
 * JVM's CPU time, every thread).
 */
public final class E2eProducerLoad {
    private static final String[] ROUTES = {"/cart", "/pay", "/search", "/home"};

    public static void main(String[] args) throws Exception {
        String target = args[0];
        // http(s)://...: the gateway's events API (the HTTP transport); anything else: Kafka's bootstrap servers
        String key = target.startsWith("http://") || target.startsWith("https://") ? "gateway.url" : "bootstrap.servers";
        int threads = Integer.parseInt(args[1]);
        double seconds = Double.parseDouble(args[2]);
        String job = args.length > 3 ? args[3] : "e2e-producer";
        // threads per container: 1, each thread its own container (Lambda: one invocation at a time per container);
        // more, a container serving that many invocations at once with one MayflyMetrics
        int perContainer = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        List<MayflyMetrics> containers = new ArrayList<>();
        for (int i = 0; i < (threads + perContainer - 1) / perContainer; i++) {
            containers.add(MayflyMetrics.fromConfig(Map.of(key, target, "job", job, "function", "checkout")));
        }
        LongAdder acknowledged = new LongAdder();
        LongAdder failed = new LongAdder();
        LongAdder warmUps = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch warm = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int thread = 0; thread < threads; thread++) {
            MayflyMetrics metrics = containers.get(thread / perContainer);
            Counter invocations = metrics.counter("e2e_invocations_total").help("Invocations.").register();
            Counter requests = metrics.counter("e2e_requests_total").help("Requests.").labelNames("route").register();
            Counter bytes = metrics.counter("e2e_bytes_total").help("Bytes.").labelNames("direction").register();
            Gauge memory = metrics.gauge("e2e_memory_bytes").help("Memory.").register();
            Gauge coldStart = metrics.gauge("e2e_cold_start").help("1 on a cold start.").register();
            Histogram duration = metrics.histogram("e2e_duration_seconds").help("Handling time.")
                    .classicUpperBounds(0.01, 0.1, 1).register();
            Thread worker = new Thread(() -> {
                // the container's cold start (producer, metadata, producer id) is not the load: one invocation
                // before the clock starts (retried until acknowledged; it counts 1 on e2e_invocations_total)
                invocations.labelValues().inc(1);
                while (true) {
                    try {
                        metrics.flush();
                        break;
                    } catch (FlushException e) {
                        System.err.println("warm-up flush: " + e.getMessage());
                    }
                }
                warmUps.increment();
                warm.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                long n = 0;
                while (!stop.get()) {
                    n++;
                    invocations.labelValues().inc(1);
                    for (String route : ROUTES) {
                        requests.labelValues(route).inc(1);
                    }
                    bytes.labelValues("in").inc(512);
                    bytes.labelValues("out").inc(2048);
                    memory.labelValues().set(1.2e7 + (n % 100));
                    coldStart.labelValues().set(n == 1 ? 1 : 0);
                    duration.labelValues().observe(0.003 * (n % 50));
                    try {
                        metrics.flush();
                        acknowledged.increment();
                    } catch (FlushException e) {
                        failed.increment(); // kept by the library and resent with the next flush (counted once)
                        if (failed.sum() <= 3) {
                            System.err.println("flush failed: " + e.getMessage());
                        }
                    }
                }
            }, "invocations-" + workers.size());
            workers.add(worker);
        }
        workers.forEach(Thread::start);
        warm.await();
        System.out.println("cold-starts " + warmUps.sum());
        long startMs = System.currentTimeMillis();
        long start = System.nanoTime();
        System.out.println("start " + startMs);
        System.out.flush();
        go.countDown();
        Thread.sleep((long) (seconds * 1000));
        stop.set(true);
        for (Thread w : workers) {
            w.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        // a flush that failed keeps its batch pending; one more flush per container delivers it (same event id)
        long retried = 0;
        for (MayflyMetrics metrics : containers) {
            try {
                metrics.flush();
            } catch (FlushException e) {
                retried++;
            }
        }
        System.out.println("end " + System.currentTimeMillis());
        System.out.println("acknowledged " + acknowledged.sum());
        System.out.println("failed " + failed.sum() + (retried > 0 ? " (still pending after a final flush: " + retried + " containers)" : ""));
        System.out.printf("acknowledged rate %.0f flushes/s over %.1f s, %d threads, %d containers%n", acknowledged.sum() / elapsed,
                elapsed, threads, containers.size());
        containers.forEach(MayflyMetrics::close);
        // this JVM's CPU time so far, every thread (its start and the containers' cold starts included)
        System.out.println("process-cpu-ms " + ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1_000_000);
    }
}
