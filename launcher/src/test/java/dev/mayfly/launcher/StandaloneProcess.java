package dev.mayfly.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code mayfly standalone} as its own OS process (a JVM on the test class path), for tests that restart it. */
final class StandaloneProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Process process;
    private final Path log;
    private final int httpPort;

    private StandaloneProcess(Process process, Path log, int httpPort) {
        this.process = process;
        this.log = log;
        this.httpPort = httpPort;
    }

    /** Starts a standalone with its data in {@code dataDir}, one partition a topic, and {@code sets} as --set flags; waits until ready. */
    static StandaloneProcess start(Path dataDir, int kafkaPort, int httpPort, String... sets) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "dev.mayfly.launcher.Mayfly", "standalone", "--data-dir", dataDir.toString(), "--partitions", "1",
                "--kafka-port", String.valueOf(kafkaPort), "--http-port", String.valueOf(httpPort), "--bind", "127.0.0.1"));
        for (String set : sets) {
            command.add("--set");
            command.add(set);
        }
        Files.createDirectories(dataDir);
        Path log = Files.createTempFile(dataDir, "standalone", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("MAYFLY_"));
        StandaloneProcess p = new StandaloneProcess(builder.start(), log, httpPort);
        p.awaitOutput("Mayfly is ready", Duration.ofSeconds(150));
        return p;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitOutput(String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.readString(log).contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("standalone exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
        throw new AssertionError("standalone did not print '" + text + "' within " + timeout + ":\n" + Files.readString(log));
    }

    /** The body of GET /metrics. */
    String metrics() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /metrics: " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    /** SIGTERM, and wait for the process to be gone. */
    void stop() throws Exception {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("standalone did not stop within 60 s of SIGTERM:\n" + Files.readString(log));
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }
}
