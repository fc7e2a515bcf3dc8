package dev.mayfly.http;

import dev.mayfly.http.internal.ConnectionHandler;
import dev.mayfly.http.internal.ServerState;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Mayfly's one HTTP port: HTTP/1.1 on Netty (epoll where the native transport loads), routes by longest path prefix.
 *
 * <p>What a client cannot do to it: a body is received whole on the event loop, within its route's limit, before a
 * handler runs, so no handler thread waits for a slow or stalled client; a body over the limit is answered 413 (before
 * it is sent when {@code Content-Length} or {@code Expect: 100-continue} says so) and the connection is closed
 * lingering, so a client that sends everything before reading still reads the answer; a request that cannot be
 * decoded (request line, headers, chunk framing) is answered 400 and never reaches a handler; a request not received
 * whole (head and body, counted from its first bytes) within the request timeout is answered 408; a client that
 * half-closes after its request gets its answer; connections, buffered bytes and idle time are bounded ({@link HttpServerOptions}). Unknown paths get 404. Requests
 * of one connection are answered in order. Thread-safe; routes may be added while it runs.
 */
public final class HttpServer implements AutoCloseable {
    private final HttpServerOptions options;
    private final ServerState state;
    private EventLoopGroup group;
    private Channel serverChannel;
    private int port;

    private HttpServer(HttpServerOptions options) {
        this.options = options;
        this.state = new ServerState(options);
    }

    public static HttpServer create(HttpServerOptions options) {
        return new HttpServer(options);
    }

    /** What the server did with connections since it started (for its operators' metrics). */
    public ConnectionCounts connectionCounts() {
        return state.connectionCounts();
    }

    /** Adds (or replaces) the route of {@code route.prefix()}. */
    public void route(Route route) {
        state.routes().add(route);
    }

    /** Binds and starts serving; throws {@link UncheckedIOException} with a {@link BindException} when it cannot bind. */
    public synchronized HttpServer start() {
        if (serverChannel != null) {
            throw new IllegalStateException("already started");
        }
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                new DefaultThreadFactory("mayfly-http-io", true), io);
        InetSocketAddress address = new InetSocketAddress(options.host(), options.port());
        try {
            serverChannel = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(128 * 1024, 512 * 1024))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            if (!state.admitConnection(channel)) {
                                return;
                            }
                            ChannelPipeline pipeline = channel.pipeline();
                            ConnectionHandler exchanges = new ConnectionHandler(state);
                            pipeline.addLast("raw-bytes", exchanges.rawBytesWatcher());
                            if (options.tls() != null) {
                                pipeline.addLast("tls", new SslHandler(options.tls().newEngine()));
                            }
                            pipeline.addLast("idle", new IdleStateHandler(true, 0, 0,
                                    options.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
                            pipeline.addLast("request-bytes", exchanges.bytesWatcher());
                            pipeline.addLast("http", new HttpServerCodec());
                            pipeline.addLast("exchanges", exchanges);
                        }
                    })
                    .bind(address).syncUninterruptibly().channel();
        } catch (Exception e) { // Netty rethrows the bind failure, a checked exception, undeclared
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            group = null;
            BindException cannotBind = new BindException(address + ": " + e.getMessage());
            cannotBind.initCause(e);
            throw new UncheckedIOException(cannotBind);
        }
        port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        return this;
    }

    /** The port bound (the chosen one when the options asked for port 0). */
    public synchronized int port() {
        return port;
    }

    /**
     * Stops accepting connections, waits up to {@code grace} for requests under way to be answered, then closes every
     * connection, the event loops and the shared handler pool.
     */
    public void stop(Duration grace) {
        Channel listening;
        EventLoopGroup loops;
        synchronized (this) {
            listening = serverChannel;
            loops = group;
            serverChannel = null;
            group = null;
        }
        if (listening == null) {
            return;
        }
        listening.close().syncUninterruptibly();
        state.awaitIdle(grace);
        state.connections().close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        state.shutdownHandlers();
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(2));
    }
}
