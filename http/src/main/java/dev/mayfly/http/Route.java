package dev.mayfly.http;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.IntConsumer;
import java.util.function.Predicate;

/**
 * Requests whose path starts with {@code prefix} (the longest matching prefix wins) go to {@code handler}. A body
 * longer than {@code maxBodyBytes} is answered 413 by the server before the handler sees it. {@code executor}, when
 * not null, runs the handler instead of the server's shared pool: a handler that may wait (a long response written
 * to a slow reader) gets its own, so it cannot take the threads of the others. {@code inline}, when not null, is asked
 * on the connection's event loop, once the request arrived whole, whether this request may be handled right there
 * (no hand-over to another thread): only for requests whose handling cannot wait (no lock held for long, no I/O, no
 * costly hashing, bounded work); the handler then sees {@link HttpRequest#isInline()} and must not wait. It must be
 * cheap and must not throw (a throw counts as false). {@code refused}, when not null, is told the status of every
 * request of this route the server refused itself (400, 408, 413, 417, 501, 503), or {@link #CLIENT_CLOSED} for one
 * whose client closed its side before the request arrived whole, on the event loop: for counting; it must not block.
 */
public record Route(String prefix, RequestHandler handler, int maxBodyBytes, Executor executor, Predicate<HttpRequest> inline,
                    IntConsumer refused) {
    /**
     * Told to {@code refused} for a request whose client closed (or reset) the connection before the request arrived
     * whole: the client went away, so it is no refusal of what it sent (nginx logs such requests as 499 too).
     */
    public static final int CLIENT_CLOSED = 499;
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
        return new Route(prefix, handler, SMALL_BODY_BYTES, null, null, null);
    }

    public Route withMaxBodyBytes(int bytes) {
        return new Route(prefix, handler, bytes, executor, inline, refused);
    }

    public Route onExecutor(Executor handlerExecutor) {
        return new Route(prefix, handler, maxBodyBytes, handlerExecutor, inline, refused);
    }

    /**
     * Requests {@code cheap} accepts are handled on the event loop (see the class comment); others as before.
     * {@code cheap} vouches for the whole handler, a filter already in front of it included.
     */
    public Route inlineWhen(Predicate<HttpRequest> cheap) {
        return new Route(prefix, handler, maxBodyBytes, executor, cheap, refused);
    }

    /** The same route behind {@code filter}; its requests are never handled inline (a filter may wait). */
    public Route filtered(RequestFilter filter) {
        return new Route(prefix, filter.around(handler), maxBodyBytes, executor, null, refused);
    }

    public Route onRefused(IntConsumer statusListener) {
        return new Route(prefix, handler, maxBodyBytes, executor, inline, statusListener);
    }
}
