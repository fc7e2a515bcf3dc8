package dev.mayfly.http;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.mayfly.http.internal.Connection;
import dev.mayfly.http.internal.Contexts;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The {@code com.sun.net.httpserver} API served by Netty event loops (epoll where the native transport loads), so that
 * handlers written for the JDK's server run unchanged on a faster one.
 *
 * <p>Contract, where it differs from or tightens the JDK server's:
 * <ul>
 *   <li>Handlers run on the {@linkplain #setExecutor executor} (the event loop when none is set), once the request's
 *       body has arrived or its first 64 KiB have; the rest streams in, with reading paused while 256 KiB are unread.</li>
 *   <li>An exchange may be completed from any thread after the handler returned (asynchronous handlers). A response
 *       written and closed in one go is sent as one write; longer bodies go out in chunks, and a writer waits while the
 *       connection's send buffer is full, so a slow reader cannot make the server hold a large response in memory;
 *       a client that reads nothing for 60 s has its connection closed (the writer gets an {@code IOException}).</li>
 *   <li>Requests on one connection are answered in order; a pipelined request waits until the one before it is answered.</li>
 *   <li>A connection idle for {@value #IDLE_TIMEOUT_SECONDS} s with no exchange under way is closed.</li>
 *   <li>A request line or headers that cannot be parsed get 400 and the connection is closed; a path no context
 *       matches gets 404. Contexts match by the longest path prefix, as the JDK server's do.</li>
 * </ul>
 * Thread-safe. Binds on {@link #start()}, which throws {@link UncheckedIOException} with a {@link BindException} when it cannot.
 */
public final class NettyHttpServer extends HttpServer {
    /** A connection with no exchange under way and no traffic for this long is closed (scrapers reconnect). */
    static final int IDLE_TIMEOUT_SECONDS = 300;
    private final Contexts contexts = new Contexts(this);
    private final SSLContext tls;
    private final int backlog;
    private InetSocketAddress address;
    private volatile Executor executor;
    private EventLoopGroup group;
    private Channel serverChannel;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    private NettyHttpServer(InetSocketAddress address, int backlog, SSLContext tls) {
        this.address = address;
        this.backlog = backlog;
        this.tls = tls;
    }

    /** A server for {@code address}, over TLS when {@code tlsOrNull} is given. */
    public static NettyHttpServer create(InetSocketAddress address, int backlog, SSLContext tlsOrNull) {
        return new NettyHttpServer(address, backlog, tlsOrNull);
    }

    @Override
    public synchronized void bind(InetSocketAddress addr, int backlog) {
        if (serverChannel != null) {
            throw new IllegalStateException("already bound to " + address);
        }
        this.address = addr;
    }

    @Override
    public synchronized void start() {
        if (serverChannel != null) {
            throw new IllegalStateException("already started");
        }
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                new DefaultThreadFactory("mayfly-http-io", true), io);
        try {
            serverChannel = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, backlog > 0 ? backlog : 256)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(128 * 1024, 512 * 1024))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            connections.add(channel);
                            if (tls != null) {
                                SSLEngine engine = tls.createSSLEngine();
                                engine.setUseClientMode(false);
                                channel.pipeline().addLast("tls", new SslHandler(engine));
                            }
                            channel.pipeline().addLast("idle", new IdleStateHandler(0, 0, IDLE_TIMEOUT_SECONDS, TimeUnit.SECONDS));
                            channel.pipeline().addLast("http", new HttpServerCodec());
                            channel.pipeline().addLast("exchanges", new Connection(contexts, () -> executor));
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
        address = (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void setExecutor(Executor executor) {
        this.executor = executor;
    }

    @Override
    public Executor getExecutor() {
        return executor;
    }

    /**
     * Stops accepting connections, waits up to {@code delaySeconds} for exchanges under way to be answered, then closes
     * every connection and the event loops.
     */
    @Override
    public void stop(int delaySeconds) {
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
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(0, delaySeconds));
        while (Connection.openExchanges(connections) > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        return contexts.create(path, handler);
    }

    @Override
    public HttpContext createContext(String path) {
        return contexts.create(path, null);
    }

    @Override
    public void removeContext(String path) {
        contexts.remove(path);
    }

    @Override
    public void removeContext(HttpContext context) {
        contexts.remove(context.getPath());
    }

    @Override
    public synchronized InetSocketAddress getAddress() {
        return address;
    }
}
