package dev.mayfly.system.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * For bench/e2e.sh: a steady open-loop push load and what it does to freshness. CONNECTIONS threads share a fixed
 * schedule of RATE pushes/s (push i is due at i/RATE s, whatever the answers to earlier pushes); each thread sends its
 * share on its own keep-alive connection and is late only when its previous push has not been answered by the time
 * the next one is due (counted and printed: the offered rate was then not held). Every push is the 12-sample text
 * body into ONE group (the fleet case); each adds {@code COUNTER_PER_PUSH} to the {@code bench_requests_total}
 * series of the job.
 *
 * <p>A sampler reads {@code GET /metrics?name[]=bench_requests_total} every SAMPLE_MS and turns the visible total
 * into a number of pushes. Freshness of the k-th acknowledged push = the first sample showing at least k pushes minus
 * the time push k was acknowledged (pushes are matched in acknowledgement order; the resolution is SAMPLE_MS). Prints
 * a table per second (acknowledged, visible, lag in pushes and in seconds), freshness p50/p90/p99/max, and whether
 * the lag grew over the run.
 *
 * <p>Arguments: base URL (http://127.0.0.1:PORT), rate, seconds, job, body file, connections (default 64),
 * sample ms (default 25), drain timeout seconds (default 300), and a times file (optional): every push's
 * acknowledgement ({@code ack NANOS}) and every sample ({@code visible NANOS PUSHES}), in {@code System.nanoTime()},
 * for FreshnessStages.
 */
public final class E2eOpenLoad {
    static final double COUNTER_PER_PUSH = 1027 + 311 + 3;

    public static void main(String[] args) throws Exception {
        URI base = URI.create(args[0]);
        double rate = Double.parseDouble(args[1]);
        double seconds = Double.parseDouble(args[2]);
        String job = args[3];
        byte[] body = Files.readAllBytes(Path.of(args[4]));
        int connections = args.length > 5 ? Integer.parseInt(args[5]) : 64;
        long sampleMs = args.length > 6 ? Long.parseLong(args[6]) : 25;
        long drainTimeoutS = args.length > 7 ? Long.parseLong(args[7]) : 300;
        Path timesFile = args.length > 8 ? Path.of(args[8]) : null;
        int total = (int) Math.round(rate * seconds);
        long[] ackNanos = new long[total];
        AtomicInteger acked = new AtomicInteger();
        AtomicInteger nextPush = new AtomicInteger();
        LongAdder refused = new LongAdder();
        LongAdder late = new LongAdder();
        byte[] request = pushRequest(base, job, body);
        double baseline = visibleTotal(base, job);
        long start = System.nanoTime();
        List<Thread> senders = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Thread t = new Thread(() -> {
                Connection conn = null;
                while (true) {
                    int i = nextPush.getAndIncrement();
                    if (i >= total) {
                        break;
                    }
                    long due = start + (long) (i * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    } else if (wait < -100_000_000L) {
                        late.increment();
                    }
                    try {
                        if (conn == null) {
                            conn = new Connection(base);
                        }
                        int status = conn.send(request);
                        if (status >= 200 && status < 300) {
                            ackNanos[acked.getAndIncrement()] = System.nanoTime();
                        } else {
                            refused.increment();
                        }
                    } catch (IOException e) {
                        refused.increment();
                        if (conn != null) {
                            conn.close();
                        }
                        conn = null;
                    }
                }
                if (conn != null) {
                    conn.close();
                }
            }, "sender-" + c);
            t.setDaemon(true);
            senders.add(t);
        }
        senders.forEach(Thread::start);

        // sampler: visible pushes over time, freshness per acknowledged push
        double[] freshMs = new double[total];
        int matched = 0;
        List<long[]> perSecond = new ArrayList<>(); // second, acked, visible, lag ms
        long nextReport = start + 1_000_000_000L;
        boolean loadDone = false;
        long loadEnd = 0;
        long drainDeadline = Long.MAX_VALUE;
        System.out.printf("open loop: %.0f pushes/s for %.0f s over %d connections, job %s%n", rate, seconds, connections, job);
        System.out.println("  second  acknowledged     visible   lag(pushes)  lag(s)");
        int visible = 0;
        List<long[]> samples = new ArrayList<>(); // sampled nanos, visible pushes
        while (true) {
            long now = System.nanoTime();
            int ackedNow = acked.get();
            visible = sampleVisible(base, job, baseline, visible);
            long sampled = System.nanoTime();
            samples.add(new long[]{sampled, visible});
            int upTo = Math.min(visible, ackedNow);
            for (; matched < upTo; matched++) {
                long ack = ackNanos[matched];
                freshMs[matched] = ack == 0 ? 0 : Math.max(0, (sampled - ack) / 1e6);
            }
            if (now >= nextReport) {
                long lagMs = visible >= ackedNow || ackNanos[Math.max(0, visible)] == 0 ? 0
                        : (sampled - ackNanos[Math.max(0, visible)]) / 1_000_000L;
                long second = (now - start) / 1_000_000_000L;
                perSecond.add(new long[]{second, ackedNow, visible, Math.max(0, ackedNow - visible), lagMs});
                System.out.printf("  %6d  %12d  %10d  %12d  %6.1f%n", second, ackedNow, visible, Math.max(0, ackedNow - visible), lagMs / 1e3);
                nextReport += 1_000_000_000L;
            }
            if (!loadDone && senders.stream().noneMatch(Thread::isAlive)) {
                loadDone = true;
                loadEnd = System.nanoTime();
                drainDeadline = loadEnd + drainTimeoutS * 1_000_000_000L;
            }
            if (loadDone && matched >= acked.get()) {
                break;
            }
            if (System.nanoTime() > drainDeadline) {
                System.out.println("NOT DRAINED: " + (acked.get() - matched) + " acknowledged pushes not visible after " + drainTimeoutS + " s");
                break;
            }
            Thread.sleep(sampleMs);
        }
        long end = System.nanoTime();
        int n = acked.get();
        double loadSeconds = (loadEnd - start) / 1e9;
        double[] sorted = Arrays.copyOf(freshMs, matched);
        Arrays.sort(sorted);
        System.out.printf("offered %.0f pushes/s: acknowledged %d in %.1f s (%.0f/s), refused %d, sent late (>100 ms behind schedule) %d%n",
                rate, n, loadSeconds, n / loadSeconds, refused.sum(), late.sum());
        System.out.printf("drained %.1f s after the load ended%n", (end - loadEnd) / 1e9);
        if (sorted.length > 0) {
            System.out.printf("freshness (acknowledged -> visible on /metrics, %d ms samples) over %d pushes: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms%n",
                    sampleMs, sorted.length, pct(sorted, 0.50), pct(sorted, 0.90), pct(sorted, 0.99), sorted[sorted.length - 1]);
        }
        System.out.println(lagVerdict(perSecond));
        if (timesFile != null) {
            try (java.io.PrintWriter out = new java.io.PrintWriter(Files.newBufferedWriter(timesFile))) {
                for (int i = 0; i < n; i++) {
                    out.println("ack " + ackNanos[i]);
                }
                samples.forEach(s -> out.println("visible " + s[0] + " " + s[1]));
            }
        }
    }

    /** The lag in seconds over the run: its trend (least squares after the first 10 s) and a verdict. */
    static String lagVerdict(List<long[]> perSecond) {
        List<long[]> rows = perSecond.stream().filter(r -> r[0] >= 10).toList();
        if (rows.size() < 10) {
            return "lag trend: run too short to judge (needs more than 20 s)";
        }
        double n = rows.size();
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (long[] r : rows) {
            double x = r[0];
            double y = r[4] / 1e3;
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        double span = rows.get(rows.size() - 1)[0] - rows.get(0)[0];
        double firstThird = rows.subList(0, rows.size() / 3).stream().mapToDouble(r -> r[4] / 1e3).average().orElse(0);
        double lastThird = rows.subList(2 * rows.size() / 3, rows.size()).stream().mapToDouble(r -> r[4] / 1e3).average().orElse(0);
        boolean grows = slope * span > 1.0 && lastThird > 2 * firstThird;
        return String.format("lag trend: %+.3f s per s (%+.1f s over %.0f s); mean lag first third %.2f s, last third %.2f s: %s",
                slope, slope * span, span, firstThird, lastThird, grows ? "the lag GROWS" : "the lag stays bounded");
    }

    /** Visible pushes of the job now, or {@code previous} when /metrics cannot be read (e.g. 503 while catching up). */
    private static int sampleVisible(URI base, String job, double baseline, int previous) {
        try {
            return (int) Math.round((visibleTotal(base, job) - baseline) / COUNTER_PER_PUSH);
        } catch (IOException | RuntimeException e) {
            return previous;
        }
    }

    private static double pct(double[] sorted, double p) {
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)];
    }

    private static byte[] pushRequest(URI base, String job, byte[] body) {
        String head = "POST /metrics/job/" + job + "/instance/i0 HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                + "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(h, h.length + body.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    /** The sum of the job's bench_requests_total series on /metrics (0 when none is served yet). */
    static double visibleTotal(URI base, String job) throws IOException {
        byte[] get = ("GET /metrics?name[]=bench_requests_total HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        try (Connection conn = new Connection(base)) {
            String text = conn.fetch(get);
            double sum = 0;
            String jobLabel = "job=\"" + job + "\"";
            for (String line : text.split("\n")) {
                if (line.startsWith("bench_requests_total{") && line.contains(jobLabel)) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return sum;
        }
    }

    /** One HTTP/1.1 keep-alive connection: writes a request, reads the status, headers and body of the answer. */
    static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;

        Connection(URI base) throws IOException {
            socket = new Socket(base.getHost(), base.getPort());
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        }

        int send(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            return readResponse(null);
        }

        String fetch(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            StringBuilder body = new StringBuilder();
            int status = readResponse(body);
            if (status != 200) {
                throw new IOException("GET /metrics answered " + status);
            }
            return body.toString();
        }

        private int readResponse(StringBuilder body) throws IOException {
            String statusLine = line();
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            long length = -1;
            boolean chunked = false;
            for (String h = line(); !h.isEmpty(); h = line()) {
                String lower = h.toLowerCase();
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(h.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            if (chunked) {
                for (long size = Long.parseLong(line().split(";")[0].trim(), 16); size > 0;
                     size = Long.parseLong(line().split(";")[0].trim(), 16)) {
                    read(size, body);
                    line();
                }
                String trailer = line();
                while (!trailer.isEmpty()) {
                    trailer = line();
                }
            } else if (length >= 0) {
                read(length, body);
            } else {
                read(Long.MAX_VALUE, body); // no length: the body ends with the connection
            }
            return status;
        }

        private void read(long n, StringBuilder body) throws IOException {
            byte[] buf = new byte[8192];
            while (n > 0) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, n));
                if (r < 0) {
                    if (n == Long.MAX_VALUE) {
                        return;
                    }
                    throw new IOException("connection closed in a response body");
                }
                if (body != null) {
                    body.append(new String(buf, 0, r, StandardCharsets.UTF_8));
                }
                n -= r;
            }
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
