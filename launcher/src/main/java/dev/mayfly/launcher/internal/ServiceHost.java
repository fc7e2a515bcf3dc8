package dev.mayfly.launcher.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mayfly.http.NettyHttpServer;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Runs services in one process behind ONE HTTP port: each service registers its own contexts, the host answers
 * {@code /-/healthy} (200 unless a service stopped on an error it cannot recover from) and {@code /-/ready} (200 once every service is ready, 503 before,
 * with the services not ready yet in the body). Closes everything, in reverse start order, on {@link #close()} or
 * on SIGTERM / Ctrl-C.
 */
public final class ServiceHost implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServiceHost.class);

    private final List<AutoCloseable> started = new ArrayList<>();
    private final List<Service> services = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private HttpServer http;
    private ExecutorService httpExecutor;

    /** Keeps {@code resource} open until the host closes (e.g. an embedded broker, started by the caller). */
    public synchronized void own(AutoCloseable resource) {
        started.add(resource);
    }

    /** Starts {@code service} now; it will be closed with the host. */
    public synchronized void start(Service service) {
        started.add(service); // closed with the host even if starting fails
        services.add(service);
        service.start();
        if (http != null) {
            service.register(http);
        }
    }

    /** Opens the HTTP port, registers the services' contexts and the health endpoints. Returns the bound port. */
    public synchronized int serveHttp(String host, int port) throws IOException {
        return serveHttp(host, port, null);
    }

    /** As {@link #serveHttp(String, int)}, over TLS when {@code tlsOrNull} is given. */
    public synchronized int serveHttp(String host, int port, SSLContext tlsOrNull) throws IOException {
        http = NettyHttpServer.create(new InetSocketAddress(host, port), 256, tlsOrNull);
        httpExecutor = Executors.newFixedThreadPool(Math.max(8, 4 * Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "mayfly-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(httpExecutor);
        http.createContext("/-/healthy", this::healthy);
        http.createContext("/-/ready", this::ready);
        for (Service s : services) {
            s.register(http);
        }
        http.start();
        return http.getAddress().getPort();
    }

    /** Blocks until the host is closed (by a signal or {@link #close()}). */
    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    /** Closes the host when the JVM is asked to stop (SIGTERM, Ctrl-C). */
    public ServiceHost closeOnShutdown() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "mayfly-shutdown"));
        return this;
    }

    public synchronized boolean isReady() {
        return services.stream().allMatch(Service::isReady);
    }

    @Override
    public synchronized void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        if (http != null) {
            // stop accepting, and give requests under way (a push whose Kafka acknowledgement is on its way) time to be answered
            http.stop(2);
        }
        for (int i = started.size() - 1; i >= 0; i--) {
            AutoCloseable resource = started.get(i);
            try {
                resource.close();
            } catch (Exception e) {
                log.warn("closing {} failed: {}", resource instanceof Service s ? s.name() : resource, e.toString());
            }
        }
        if (httpExecutor != null) {
            httpExecutor.shutdown();
        }
        System.out.println("Mayfly stopped");
        System.out.flush();
        stopped.countDown();
    }

    private void healthy(HttpExchange exchange) throws IOException {
        List<String> failed;
        synchronized (this) {
            failed = services.stream().filter(s -> !s.isHealthy()).map(Service::name).toList();
        }
        if (failed.isEmpty()) {
            respond(exchange, 200, "OK\n");
        } else {
            respond(exchange, 503, "failed: " + String.join(", ", failed) + "\n");
        }
    }

    private void ready(HttpExchange exchange) throws IOException {
        List<String> waiting;
        synchronized (this) {
            waiting = services.stream().filter(s -> !s.isReady()).map(Service::name).toList();
        }
        if (waiting.isEmpty()) {
            respond(exchange, 200, "OK\n");
        } else {
            respond(exchange, 503, "not ready: " + String.join(", ", waiting) + "\n");
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, "HEAD".equals(exchange.getRequestMethod()) ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (!"HEAD".equals(exchange.getRequestMethod())) {
                out.write(bytes);
            }
        }
    }

    /** Waits up to {@code timeoutMillis} for every service to be ready. */
    public boolean awaitReady(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < deadline) {
            if (isReady()) {
                return true;
            }
            Thread.sleep(50);
        }
        return isReady();
    }
}
