package dev.mayfly.http.internal;

import dev.mayfly.http.ConnectionCounts;
import dev.mayfly.http.HttpServerOptions;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What every connection of one server shares: routes, limits, the handler pool. Thread-safe. */
public final class ServerState {
    private static final byte[] TOO_MANY_CONNECTIONS = refusal("too many connections\n");
    private static final byte[] TOO_MANY_FROM_CLIENT = refusal("too many connections from this client address\n");

    private final HttpServerOptions options;
    private final Routes routes = new Routes();
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger open = new AtomicInteger();
    /** Open connections by client address; an address with none has no entry. */
    private final ConcurrentHashMap<String, Integer> connectionsByClient = new ConcurrentHashMap<>();
    private final AtomicLong buffered = new AtomicLong();
    /** Bytes of bodies still arriving, by client address; an address holding none has no entry. */
    private final ConcurrentHashMap<String, Long> arrivingByClient = new ConcurrentHashMap<>();
    private final Set<Idleness> openConnections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger exchanges = new AtomicInteger();
    private final AtomicLong refusedAtLimit = new AtomicLong();
    private final AtomicLong refusedAtClientShare = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();
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

    /**
     * Counts a new connection. Past its client address's share ({@code maxConnectionsPerClient}) it takes the place of
     * that address's connection idle longest, or is answered 503. Past the limit it takes the place of the connection idle longest, at least
     * {@link Idleness#EVICTABLE_AFTER_NANOS}, which is closed (clients reopen a closed kept-alive connection; a
     * frozen serverless container's connection would otherwise hold its place until the idle timeout). When no
     * connection is idle that long, answers it 503, closes it and returns false.
     */
    public boolean admitConnection(Channel channel) {
        String client = clientOf(channel);
        boolean madeRoom = false; // a connection of this client is being closed: one fewer in all, too
        if (connectionsByClient.merge(client, 1, Integer::sum) > options.maxConnectionsPerClient()) {
            madeRoom = evictLongestIdle(client);
            if (!madeRoom) {
                refusedAtClientShare.incrementAndGet();
                forgetConnection(client);
                channel.writeAndFlush(Unpooled.wrappedBuffer(TOO_MANY_FROM_CLIENT)).addListener(ChannelFutureListener.CLOSE);
                return false;
            }
        }
        if (open.incrementAndGet() > options.maxConnections() && !madeRoom && !evictLongestIdle(null)) {
            open.decrementAndGet();
            refusedAtLimit.incrementAndGet();
            forgetConnection(client);
            channel.writeAndFlush(Unpooled.wrappedBuffer(TOO_MANY_CONNECTIONS)).addListener(ChannelFutureListener.CLOSE);
            return false;
        }
        connections.add(channel);
        channel.closeFuture().addListener(f -> {
            open.decrementAndGet();
            forgetConnection(client);
        });
        return true;
    }

    /** What this server did with connections so far. */
    public ConnectionCounts connectionCounts() {
        return new ConnectionCounts(Math.max(0, open.get()), refusedAtLimit.get(), refusedAtClientShare.get(), evicted.get());
    }

    private void forgetConnection(String client) {
        connectionsByClient.computeIfPresent(client, (address, n) -> n == 1 ? null : n - 1);
    }

    /** The client address of {@code channel}, as connections, shares and handlers know it. */
    static String clientOf(Channel channel) {
        return channel.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : String.valueOf(channel.remoteAddress());
    }

    private static byte[] refusal(String text) {
        return ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 1\r\nConnection: close\r\n"
                + "Content-Length: " + text.length() + "\r\n\r\n" + text).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Claims the connection idle longest (of {@code client}, or of any client when null) and closes it on its event
     * loop unless a request started there meanwhile (then the new connection is admitted one over the limit, until a
     * connection closes). Scans every connection: only at a limit.
     */
    private boolean evictLongestIdle(String client) {
        long now = System.nanoTime();
        while (true) {
            Idleness longest = null;
            long longestSince = 0;
            for (Idleness connection : openConnections) {
                long since = connection.since();
                if ((client == null || client.equals(connection.client())) && since != Idleness.BUSY && now - since >= Idleness.EVICTABLE_AFTER_NANOS
                        && (longest == null || since - longestSince < 0)) {
                    longest = connection;
                    longestSince = since;
                }
            }
            if (longest == null) {
                return false;
            }
            if (longest.claimAndClose(longestSince)) {
                evicted.incrementAndGet();
                return true;
            }
        }
    }

    void connectionOpened(Idleness connection) {
        openConnections.add(connection);
    }

    void connectionClosed(Idleness connection) {
        openConnections.remove(connection);
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

    /**
     * Counts {@code bytes} more of a body still arriving, of which {@code own} are counted already, against
     * {@code client}'s share; false (nothing counted) past it, unless it is the client's only body arriving (a body
     * larger than the share still arrives, one at a time).
     */
    boolean reserveArriving(String client, long own, long bytes) {
        boolean[] taken = {false};
        arrivingByClient.compute(client, (address, held) -> {
            long now = held == null ? 0 : held;
            if (now + bytes > options.maxArrivingBytesPerClient() && now > own) {
                return held;
            }
            taken[0] = true;
            return now + bytes;
        });
        return taken[0];
    }

    /** {@code bytes} of {@code client}'s bodies arrived whole or were given up. */
    void arrived(String client, long bytes) {
        if (bytes > 0) {
            arrivingByClient.computeIfPresent(client, (address, held) -> held - bytes <= 0 ? null : held - bytes);
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
