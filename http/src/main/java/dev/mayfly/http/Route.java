package dev.mayfly.http;

import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Requests whose path starts with {@code prefix} (the longest matching prefix wins) go to {@code handler}. A body
 * longer than {@code maxBodyBytes} is answered 413 by the server before the handler sees it. {@code executor}, when
 * not null, runs the handler instead of the server's shared pool: a handler that may wait (a long response written
 * to a slow reader) gets its own, so it cannot take the threads of the others.
 */
public record Route(String prefix, RequestHandler handler, int maxBodyBytes, Executor executor) {
    /** Bodies of routes that take none (scrapes, health): enough for any sane client. */
    public static final int SMALL_BODY_BYTES = 64 * 1024;

    public Route {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(handler, "handler");
        if (!prefix.startsWith("/")) {
            throw new IllegalArgumentException("a route prefix starts with '/': " + prefix);
        }
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes must not be negative");
        }
    }

    /** A route taking bodies up to {@link #SMALL_BODY_BYTES}, on the server's pool. */
    public static Route of(String prefix, RequestHandler handler) {
        return new Route(prefix, handler, SMALL_BODY_BYTES, null);
    }

    public Route withMaxBodyBytes(int bytes) {
        return new Route(prefix, handler, bytes, executor);
    }

    public Route onExecutor(Executor handlerExecutor) {
        return new Route(prefix, handler, maxBodyBytes, handlerExecutor);
    }

    /** The same route behind {@code filter}. */
    public Route filtered(RequestFilter filter) {
        return new Route(prefix, filter.around(handler), maxBodyBytes, executor);
    }
}
