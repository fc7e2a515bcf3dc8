package dev.mayfly.schemas.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Apicurio Registry 2.4.2.Final (in-memory storage) in a separate java process on a free loopback port, for
 * integration tests. It serves the Confluent REST API at {@link #ccompatUrl()} and Apicurio's own API at
 * {@link #coreApiUrl()}.
 *
 * <p>The runner jar comes from the Maven project {@code schemas/src/test/registry-app} (built by the schemas and
 * producer-lib builds before their ITs when missing). It is found from the system property
 * {@code mayfly.test.registry.jar}, else by looking for that project from the working directory upwards; when the jar
 * is still missing it is built here with {@code mvn} (slow the first time: it downloads ~130 MB).
 *
 * <p>Usage: {@code try (ApicurioRegistry registry = ApicurioRegistry.start()) { ... registry.ccompatUrl() ... }}.
 */
public final class ApicurioRegistry implements AutoCloseable {
    public static final String JAR_PROPERTY = "mayfly.test.registry.jar";
    private static final String APP_DIR = "schemas/src/test/registry-app";
    private static final String RUNNER = "target/mayfly-test-registry-runner.jar";
    private static final long READY_TIMEOUT_MS = 60_000;

    private final Process process;
    private final int port;
    private final Path log;

    private ApicurioRegistry(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts a registry and waits until {@code /health/ready} answers 200 (at most 60 s). */
    public static ApicurioRegistry start() {
        Path jar = runnerJar();
        int port = freePort();
        Path log = Paths.get("target", "apicurio-registry-" + port + ".log").toAbsolutePath();
        List<String> command = new ArrayList<>(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port,
                "-Dquarkus.log.level=WARN", "-Dquarkus.log.category.\"io.apicurio\".level=WARN",
                "-jar", jar.toString()));
        Process process;
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the test registry " + jar, e);
        }
        ApicurioRegistry registry = new ApicurioRegistry(process, port, log);
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        registry.awaitReady();
        return registry;
    }

    /** Base URL of the Confluent-compatible API, e.g. for {@code SchemaRegistryClient}. */
    public String ccompatUrl() {
        return baseUrl() + "/apis/ccompat/v7";
    }

    /** Base URL of Apicurio's own v2 API, e.g. for Apicurio's serializers ({@code apicurio.registry.url}). */
    public String coreApiUrl() {
        return baseUrl() + "/apis/registry/v2";
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** Stops the process (and waits for it); the port then refuses connections. Idempotent. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private void awaitReady() {
        long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("test registry exited with " + process.exitValue() + " before it was ready; log " + log + ":\n" + logTail());
            }
            if (status(baseUrl() + "/health/ready") == 200) {
                return;
            }
            sleep(200);
        }
        close();
        throw new IllegalStateException("test registry not ready within " + READY_TIMEOUT_MS + " ms; log " + log + ":\n" + logTail());
    }

    private static int status(String url) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(2000);
            try {
                return c.getResponseCode();
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return -1;
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** The registry runner jar, built first if it is missing. */
    public static synchronized Path runnerJar() {
        String configured = System.getProperty(JAR_PROPERTY);
        if (configured != null && !configured.isBlank() && Files.isRegularFile(Paths.get(configured))) {
            return Paths.get(configured);
        }
        Path appDir = findAppDir();
        Path jar = appDir.resolve(RUNNER);
        if (!Files.isRegularFile(jar)) {
            build(appDir);
        }
        return jar;
    }

    private static Path findAppDir() {
        String configured = System.getProperty(JAR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            // .../registry-app/target/mayfly-test-registry-runner.jar
            Path dir = Paths.get(configured).toAbsolutePath().getParent().getParent();
            if (Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
            for (Path candidate : List.of(d.resolve(APP_DIR), d.resolve("src/test/registry-app"))) {
                if (Files.isRegularFile(candidate.resolve("pom.xml"))) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("cannot find the test registry project " + APP_DIR + " from " + Paths.get("").toAbsolutePath()
                + "; set -D" + JAR_PROPERTY + "=<path to mayfly-test-registry-runner.jar>");
    }

    private static void build(Path appDir) {
        String mavenHome = System.getProperty("maven.home");
        String mvn = mavenHome != null ? Paths.get(mavenHome, "bin", "mvn").toString() : "mvn";
        Path log = appDir.resolve("target/build.log");
        try {
            Files.createDirectories(log.getParent());
            Process p = new ProcessBuilder(mvn, "-B", "-q", "-f", appDir.resolve("pom.xml").toString(), "package")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(20, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("building the test registry in " + appDir + " took over 20 minutes; log " + log);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("building the test registry in " + appDir + " failed (exit " + p.exitValue() + "); log " + log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + mvn + " to build the test registry in " + appDir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the test registry", e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the test registry", e);
        }
    }
}
