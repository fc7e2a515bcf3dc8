package dev.mayfly.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code mayfly} subcommand running as its own OS process (a JVM on the test class path), its output in a
 * log file of its own. {@link #kill()} is SIGKILL: no shutdown hook runs, exactly like a crash.
 */
final class MayflyProcess implements AutoCloseable {
    private final String name;
    private final List<String> args;
    private final Path log;
    private String maxHeap = "512m";
    private boolean quickJit;
    private final java.util.Map<String, String> environment = new java.util.HashMap<>();
    private Process process;

    MayflyProcess(String name, Path logDir, String... args) {
        this.name = name;
        this.args = List.of(args);
        Path candidate = logDir.resolve(name + ".log");
        for (int n = 2; Files.exists(candidate); n++) {
            candidate = logDir.resolve(name + "-" + n + ".log"); // each start of a restarted process gets its own log
        }
        this.log = candidate;
    }

    /**
     * For tests that run many processes at once on few cores: -Xmx {@code xmx} (default 512m), and only the quick
     * JIT compiler (C1), which spends far less CPU while the JVM starts.
     */
    MayflyProcess lean(String xmx) {
        this.maxHeap = xmx;
        this.quickJit = true;
        return this;
    }

    /** Sets the environment variable {@code name} for the process (every other {@code MAYFLY_*} one is removed). */
    MayflyProcess environment(String name, String value) {
        environment.put(name, value);
        return this;
    }

    MayflyProcess start() throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + maxHeap);
        command.add("-XX:+UseSerialGC");
        if (quickJit) {
            command.add("-XX:TieredStopAtLevel=1");
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.mayfly.launcher.Mayfly");
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().keySet().removeIf(k -> k.startsWith("MAYFLY_"));
        builder.environment().putAll(environment);
        process = builder.start();
        return this;
    }

    /** Waits until the process's output contains {@code text}; fails early if the process exits. */
    MayflyProcess awaitOutput(String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return this;
            }
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + " before printing '" + text + "':\n" + output());
            }
            Thread.sleep(100);
        }
        throw new AssertionError(name + " did not print '" + text + "' within " + timeout + ":\n" + output());
    }

    String output() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL, and wait for the process to be gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, and wait for a clean exit. Returns the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(name + " did not stop within 60 s of SIGTERM");
        }
        return process.exitValue();
    }

    int waitForExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " still running after " + timeout);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }
}
