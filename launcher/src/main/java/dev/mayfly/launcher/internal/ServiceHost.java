package dev.mayfly.launcher.internal;

import dev.mayfly.exporter.ProcessStatus;
import dev.mayfly.gateway.RefusedPushes;
import dev.mayfly.http.HttpRequest;
import dev.mayfly.http.HttpResponse;
import dev.mayfly.http.HttpServer;
import dev.mayfly.http.HttpServerOptions;
import dev.mayfly.http.RequestFilter;
import dev.mayfly.http.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs services in one process behind ONE HTTP port: each service brings its own routes, the host answers
 * {@code /-/healthy} (200 unless a service stopped on an error it cannot recover from) and {@code /-/ready} (200 once
 * at least one service runs and every service is ready, 503 before, with the services not ready yet in the body).
 * Start every service before {@link #serveHttp}: the port opens with every route in place, so nothing a ready host
 * serves is missing. Closes everything, in reverse start order, on {@link #close()} or on SIGTERM / Ctrl-C.
 */
public final class ServiceHost implements AutoCloseable, ProcessStatus {
    private static final Logger log = LoggerFactory.getLogger(ServiceHost.class);

    private final List<AutoCloseable> started = new ArrayList<>();
    private final List<Service> services = new ArrayList<>();
    private final List<Route> ownRoutes = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private HttpServer http;
    private volatile Map<String, String> settings = Map.of();
    private RequestFilter everyRoute;

    /** The settings the status page shows (secrets already masked, see {@link SettingsInForce}). */
    public void showSettings(Map<String, String> settingsInForce) {
        this.settings = Map.copyOf(settingsInForce);
    }

    @Override
    public synchronized Map<String, String> services() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Service s : services) {
            out.put(s.name(), !s.isHealthy() ? "failed" : s.isReady() ? "ready" : "starting");
        }
        return out;
    }

    @Override
    public List<RefusedPush> refusedPushes() {
        return RefusedPushes.newestFirst().stream()
                .map(p -> new RefusedPush(p.time(), p.api(), p.path(), p.reason(), p.status(), p.message())).toList();
    }

    @Override
    public Map<String, String> settings() {
        return new java.util.TreeMap<>(settings);
    }

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
            service.routes().forEach(r -> http.route(guarded(r)));
        }
    }

    /** Adds a route of the host itself (not of a service), served once the port opens. */
    public synchronized void route(Route route) {
        ownRoutes.add(route);
    }

    /**
     * Puts {@code filter} in front of every route of the port, the health endpoints included (e.g. the web config
     * file's basic_auth_users, which guard every endpoint, as in the Pushgateway). Call before {@link #serveHttp}.
     */
    public synchronized void filterEveryRoute(RequestFilter filter) {
        this.everyRoute = filter;
    }

    private Route guarded(Route route) {
        return everyRoute == null ? route : route.filtered(everyRoute);
    }

    /** Opens the HTTP port with the services' routes and the health endpoints. Returns the bound port. */
    public synchronized int serveHttp(HttpServerOptions options) {
        http = HttpServer.create(options);
        HttpConnectionMetrics.serve(http);
        http.route(guarded(Route.of("/-/healthy", this::healthy)));
        http.route(guarded(Route.of("/-/ready", this::ready)));
        ownRoutes.forEach(r -> http.route(guarded(r)));
        for (Service s : services) {
            s.routes().forEach(r -> http.route(guarded(r)));
        }
        http.start();
        return http.port();
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

    /** True once a service runs and every service is ready (no service at all is not ready). */
    public synchronized boolean isReady() {
        return !services.isEmpty() && services.stream().allMatch(Service::isReady);
    }

    @Override
    public synchronized void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        if (http != null) {
            // stop accepting, and give requests under way (a push whose Kafka acknowledgement is on its way) time to be answered
            http.stop(Duration.ofSeconds(2));
        }
        for (int i = started.size() - 1; i >= 0; i--) {
            AutoCloseable resource = started.get(i);
            try {
                resource.close();
            } catch (Exception e) {
                log.warn("closing {} failed: {}", resource instanceof Service s ? s.name() : resource, e.toString());
            }
        }
        System.out.println("Mayfly stopped");
        System.out.flush();
        stopped.countDown();
    }

    private void healthy(HttpRequest request, HttpResponse response) {
        List<String> failed;
        synchronized (this) {
            failed = services.stream().filter(s -> !s.isHealthy()).map(Service::name).toList();
        }
        if (failed.isEmpty()) {
            response.sendText(200, "OK");
        } else {
            response.sendText(503, "failed: " + String.join(", ", failed));
        }
    }

    private void ready(HttpRequest request, HttpResponse response) {
        List<String> waiting;
        boolean none;
        synchronized (this) {
            waiting = services.stream().filter(s -> !s.isReady()).map(Service::name).toList();
            none = services.isEmpty();
        }
        if (none) {
            response.sendText(503, "not ready: no service started yet");
        } else if (waiting.isEmpty()) {
            response.sendText(200, "OK");
        } else {
            response.sendText(503, "not ready: " + String.join(", ", waiting));
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
