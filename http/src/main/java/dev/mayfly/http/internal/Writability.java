package dev.mayfly.http.internal;

import io.netty.channel.Channel;

import java.io.IOException;
import java.time.Duration;

/**
 * Back-pressure for a response written from a handler's thread: the writer waits while the client has no room
 * ({@link Channel#isWritable()} false), at most the write timeout, after which the connection is closed. The event
 * loop calls {@link #changed()} when writability changes or the connection ends. Thread-safe.
 */
final class Writability {

    /** Waits until {@code channel} is writable; on the event loop, returns at once (it must never block). */
    void await(Channel channel, Duration timeout) throws IOException {
        if (channel.eventLoop().inEventLoop()) {
            return;
        }
        synchronized (this) {
            waitWritable(channel, timeout);
        }
    }

    private void waitWritable(Channel channel, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!channel.isWritable() && channel.isActive()) {
            if (System.nanoTime() > deadline) {
                channel.close();
                throw new IOException("the client read nothing for " + timeout.toSeconds() + " s");
            }
            try {
                wait(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while writing the response");
            }
        }
        if (!channel.isActive()) {
            throw new IOException("connection closed by the client");
        }
    }

    /** Wakes the writers waiting: the channel's writability changed, or it closed. */
    synchronized void changed() {
        notifyAll();
    }
}
