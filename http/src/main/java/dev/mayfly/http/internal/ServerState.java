package dev.mayfly.http.internal;

import dev.mayfly.http.HttpServerOptions;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What every connection of one server shares: routes, limits, the handler pool. Thread-safe. */
public final class ServerState {
    private static final byte[] TOO_MANY_CONNECTIONS = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Retry-After: 1\r\nConnection: close\r\nContent-Length: 21\r\n\r\ntoo many connections\n").getBytes(StandardCharsets.US_ASCII);

    private final HttpServerOptions options;
    private final Routes routes = new Routes();
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong buffered = new AtomicLong();
    private final AtomicInteger exchanges = new AtomicInteger();
    private final ExecutorService handlers;

    public ServerState(HttpServerOptions options) {
        this.options = options;
        AtomicInteger n = new AtomicInteger();
        this.handlers = Executors.newFixedThreadPool(options.handlerThreads(), r -> {
            Thread t = new Thread(r, "mayfly-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public HttpServerOptions options() {
        return options;
    }

    public Routes routes() {
        return routes;
    }

    public ChannelGroup connections() {
        return connections;
    }

    public ExecutorService handlers() {
        return handlers;
    }

    /** Counts a new connection; past the limit answers it 503 and closes it, returning false. */
    public boolean admitConnection(Channel channel) {
        if (open.incrementAndGet() > options.maxConnections()) {
            open.decrementAndGet();
            channel.writeAndFlush(Unpooled.wrappedBuffer(TOO_MANY_CONNECTIONS)).addListener(ChannelFutureListener.CLOSE);
            return false;
        }
        connections.add(channel);
        channel.closeFuture().addListener(f -> open.decrementAndGet());
        return true;
    }

    /** Takes {@code bytes} of the buffered-body budget; false (nothing taken) when it would pass the limit. */
    boolean reserve(long bytes) {
        long now = buffered.addAndGet(bytes);
        if (now > options.maxBufferedBytes()) {
            buffered.addAndGet(-bytes);
            return false;
        }
        return true;
    }

    void release(long bytes) {
        if (bytes > 0) {
            buffered.addAndGet(-bytes);
        }
    }

    void exchangeStarted() {
        exchanges.incrementAndGet();
    }

    void exchangeEnded() {
        exchanges.decrementAndGet();
    }

    /** Waits up to {@code grace} until no exchange is under way. */
    public void awaitIdle(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (exchanges.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    public void shutdownHandlers() {
        handlers.shutdown();
        try {
            handlers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
