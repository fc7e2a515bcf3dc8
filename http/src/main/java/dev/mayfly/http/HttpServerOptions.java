package dev.mayfly.http;

import javax.net.ssl.SSLContext;
import java.time.Duration;
import java.util.Objects;

/**
 * How the server listens and what it tolerates from clients. Immutable; start from {@link #defaults()}.
 *
 * @param maxConnections   open connections; a connection past this takes the place of the one idle longest (no
 *                         request under way for at least a second), which is closed; when none is, it is answered 503
 *                         and closed at once
 * @param idleTimeout      a connection with no request under way and no traffic for this long is closed
 * @param requestTimeout   a request not received whole (head and body) within this, counted from the read that
 *                         brought its first bytes, is answered 408 and its connection closed (a stalled upload or a
 *                         client trickling header bytes holds nothing for longer)
 * @param writeTimeout     a response writer waits at most this long for a client that reads nothing, then the
 *                         connection is closed
 * @param maxBufferedBytes request bodies held by the server at once (being received or being handled), over every
 *                         connection; a request that would pass it is answered 503 with {@code Retry-After}
 * @param maxArrivingBytesPerClient bytes of bodies still arriving (not yet received whole) that one client address
 *                         may hold at once, so that one client stalling uploads cannot take the whole buffered budget;
 *                         past it that client's request is answered 503 with {@code Retry-After}. A client's one body
 *                         arriving is always taken (up to its route's limit): only bodies arriving beside it count
 * @param maxConnectionsPerClient connections one client address may hold; past it a new one of that address takes
 *                         the place of that address's connection idle longest, as at {@code maxConnections}, or is
 *                         answered 503 (so one client holding connections with requests trickled cannot take them all)
 * @param handlerThreads   threads of the shared pool that runs handlers
 * @param tls              null for plain HTTP; else asked for an engine on every new connection
 */
public record HttpServerOptions(String host, int port, ServerTls tls, int maxConnections, Duration idleTimeout,
                                Duration requestTimeout, Duration writeTimeout, long maxBufferedBytes,
                                long maxArrivingBytesPerClient, int maxConnectionsPerClient, int handlerThreads) {
    public HttpServerOptions {
        Objects.requireNonNull(host, "host");
        positive(maxConnections, "maxConnections");
        positive(maxBufferedBytes, "maxBufferedBytes");
        positive(maxArrivingBytesPerClient, "maxArrivingBytesPerClient");
        positive(maxConnectionsPerClient, "maxConnectionsPerClient");
        positive(handlerThreads, "handlerThreads");
        for (Duration d : new Duration[]{idleTimeout, requestTimeout, writeTimeout}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
        }
    }

    public static HttpServerOptions defaults() {
        return new HttpServerOptions("0.0.0.0", 0, null, 4096, Duration.ofMinutes(5), Duration.ofSeconds(30),
                Duration.ofSeconds(60), 128L * 1024 * 1024, 32L * 1024 * 1024, 1024, Math.max(8, 4 * Runtime.getRuntime().availableProcessors()));
    }

    public HttpServerOptions withAddress(String bindHost, int bindPort) {
        return new HttpServerOptions(bindHost, bindPort, tls, maxConnections, idleTimeout, requestTimeout, writeTimeout, maxBufferedBytes, maxArrivingBytesPerClient, maxConnectionsPerClient, handlerThreads);
    }

    /** TLS from one context (null: plain HTTP). */
    public HttpServerOptions withTls(SSLContext context) {
        return withTls(context == null ? null : ServerTls.of(context));
    }

    public HttpServerOptions withTls(ServerTls engines) {
        return new HttpServerOptions(host, port, engines, maxConnections, idleTimeout, requestTimeout, writeTimeout, maxBufferedBytes, maxArrivingBytesPerClient, maxConnectionsPerClient, handlerThreads);
    }

    /**
     * The connection and buffered-bytes limits; one client's share of bodies still arriving becomes a quarter of the
     * bytes, its share of connections stays as it was, at most {@code connections}.
     */
    public HttpServerOptions withLimits(int connections, long bufferedBytes) {
        return withLimits(connections, bufferedBytes, Math.max(1, bufferedBytes / 4));
    }

    public HttpServerOptions withLimits(int connections, long bufferedBytes, long arrivingBytesPerClient) {
        return new HttpServerOptions(host, port, tls, connections, idleTimeout, requestTimeout, writeTimeout, bufferedBytes,
                arrivingBytesPerClient, Math.min(maxConnectionsPerClient, connections), handlerThreads);
    }

    /** The connections one client address may hold (at most the total). */
    public HttpServerOptions withConnectionsPerClient(int connections) {
        return new HttpServerOptions(host, port, tls, maxConnections, idleTimeout, requestTimeout, writeTimeout, maxBufferedBytes,
                maxArrivingBytesPerClient, Math.min(connections, maxConnections), handlerThreads);
    }

    public HttpServerOptions withTimeouts(Duration idle, Duration request, Duration write) {
        return new HttpServerOptions(host, port, tls, maxConnections, idle, request, write, maxBufferedBytes, maxArrivingBytesPerClient, maxConnectionsPerClient, handlerThreads);
    }

    public HttpServerOptions withHandlerThreads(int threads) {
        return new HttpServerOptions(host, port, tls, maxConnections, idleTimeout, requestTimeout, writeTimeout, maxBufferedBytes, maxArrivingBytesPerClient, maxConnectionsPerClient, threads);
    }

    private static void positive(long value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
