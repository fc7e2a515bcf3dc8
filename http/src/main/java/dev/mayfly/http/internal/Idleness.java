package dev.mayfly.http.internal;

import io.netty.channel.Channel;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether a connection is idle (no request under way) and since when, for making room at the connection limit.
 * Written on the connection's event loop; read and claimed from any thread. A claim holds only while no request bytes
 * arrive: the event loop checks it still holds before it closes the connection.
 */
final class Idleness {
    /** A connection idle this long may be closed to make room for a new one. */
    static final long EVICTABLE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** {@link #since()} of a connection with a request under way, or claimed: never chosen. */
    static final long BUSY = Long.MIN_VALUE;
    private static final long CLAIMED = Long.MIN_VALUE + 1;

    private final AtomicLong since = new AtomicLong(BUSY);
    private final Channel channel;
    private final String client;

    Idleness(Channel channel, String client) {
        this.channel = channel;
        this.client = client;
    }

    /** The connection's client address. */
    String client() {
        return client;
    }

    /** On the event loop, on every read: request bytes arrived (this also undoes a claim not yet carried out). */
    void busy() {
        if (since.get() != BUSY) {
            since.lazySet(BUSY);
        }
    }

    /** On the event loop: no request is under way from now on. */
    void idleNow() {
        since.set(System.nanoTime());
    }

    /** The nanoTime since which the connection has been idle, or {@link #BUSY} (also when claimed). */
    long since() {
        long s = since.get();
        return s == CLAIMED ? BUSY : s;
    }

    /**
     * From any thread: claims the connection idle since {@code idleSince} to make room, and closes it on its event loop
     * unless request bytes arrive first. False when it is not idle since then any more (or another admission claimed it).
     */
    boolean claimAndClose(long idleSince) {
        if (idleSince == BUSY || !since.compareAndSet(idleSince, CLAIMED)) {
            return false;
        }
        try {
            channel.eventLoop().execute(() -> {
                if (since.get() == CLAIMED) {
                    channel.close();
                }
            });
        } catch (RejectedExecutionException e) {
            // the server is stopping: the connection goes with its event loop
        }
        return true;
    }
}
