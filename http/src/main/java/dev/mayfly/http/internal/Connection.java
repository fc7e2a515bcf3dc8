package dev.mayfly.http.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * One HTTP connection: turns the decoded request parts into {@link Exchange}s, one at a time and in order, and hands
 * each to the handler of its context. Everything here runs on the connection's event loop, except
 * {@link #awaitWritable} (a response writer's thread) and {@link #openExchanges}.
 */
public final class Connection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);
    /** A handler is started once this much of a longer body has arrived; the rest streams in. */
    static final int DISPATCH_AT = 64 * 1024;
    /** Pipelined requests held while one is answered, before the connection stops reading. */
    private static final int MAX_QUEUED = 64;
    /** A response writer waits at most this long for a client that reads nothing, then the connection is closed. */
    static final int WRITE_STALL_LIMIT_SECONDS = 60;
    private static final long WRITE_STALL_LIMIT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(WRITE_STALL_LIMIT_SECONDS);

    private final Contexts contexts;
    private final Supplier<Executor> executor;
    private final ArrayDeque<HttpObject> queued = new ArrayDeque<>();
    private Channel channel;
    private Exchange current;
    private volatile boolean busy;
    private boolean closing;

    public Connection(Contexts contexts, Supplier<Executor> executor) {
        this.contexts = contexts;
        this.executor = executor;
    }

    /** Exchanges not yet answered on {@code connections} (for a graceful stop). */
    public static int openExchanges(Iterable<Channel> connections) {
        int open = 0;
        for (Channel channel : connections) {
            Connection connection = channel.pipeline().get(Connection.class);
            if (connection != null && connection.busy) {
                open++;
            }
        }
        return open;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing || !(msg instanceof HttpObject part)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!queued.isEmpty() || current != null && part instanceof HttpRequest) {
            // a pipelined request (and its body) waits until the one before it is answered
            queued.add(part);
        } else {
            handle(ctx.channel(), part);
        }
        updateReading();
    }

    /**
     * On the event loop: reads while few pipelined parts are held and the current body is not paused. The one place
     * that turns reading off and on, so that neither condition can leave it off for good.
     */
    void updateReading() {
        boolean read = queued.size() <= MAX_QUEUED && (current == null || !current.body.paused());
        if (read != channel.config().isAutoRead()) {
            channel.config().setAutoRead(read); // turning it on also asks for a read
        }
    }

    private void handle(Channel channel, HttpObject part) {
        if (part instanceof HttpRequest request) {
            start(channel, request);
        }
        if (part instanceof HttpContent content) {
            Exchange exchange = current;
            if (exchange == null) {
                content.release();
                return;
            }
            boolean last = content instanceof LastHttpContent;
            exchange.body.offer(content.content(), last);
            if (!exchange.dispatched && (last || exchange.body.unread() >= DISPATCH_AT)) {
                dispatch(exchange);
            }
            if (last) {
                exchange.requestComplete = true;
                finishIfDone(exchange);
            }
        }
    }

    private void start(Channel channel, HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            fail(channel, HttpResponseStatus.BAD_REQUEST, "bad request: " + request.decoderResult().cause().getMessage());
            return;
        }
        URI uri;
        try {
            uri = new URI(request.uri());
        } catch (Exception e) {
            fail(channel, HttpResponseStatus.BAD_REQUEST, "bad request URI: " + e.getMessage());
            return;
        }
        Contexts.Context context = contexts.find(uri.getPath() == null ? "/" : uri.getPath());
        if (context == null || context.getHandler() == null) {
            fail(channel, HttpResponseStatus.NOT_FOUND, "No context found for request");
            return;
        }
        if (HttpUtil.is100ContinueExpected(request)) {
            channel.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER),
                    channel.voidPromise());
        }
        current = new Exchange(this, channel, request, uri, context);
        busy = true;
    }

    private void dispatch(Exchange exchange) {
        exchange.dispatched = true;
        Executor handlers = executor.get();
        if (handlers == null) {
            exchange.run();
            return;
        }
        try {
            handlers.execute(exchange::run);
        } catch (RejectedExecutionException e) {
            exchange.abort(e);
        }
    }

    /** From any thread: the exchange's response is out (or the exchange was aborted). */
    void responseDone(Exchange exchange) {
        if (channel.eventLoop().inEventLoop()) {
            exchange.responseComplete = true;
            finishIfDone(exchange);
        } else {
            channel.eventLoop().execute(() -> responseDone(exchange));
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    private void finishIfDone(Exchange exchange) {
        if (exchange != current || !exchange.requestComplete || !exchange.responseComplete) {
            return;
        }
        current = null;
        busy = false;
        // the next pipelined request, and its body parts, until a request must wait for its predecessor again
        while (!queued.isEmpty() && !closing && !(current != null && queued.peek() instanceof HttpRequest)) {
            handle(channel, queued.poll());
        }
        updateReading();
    }

    /** An answer before any handler ran; the connection is closed after it (the rest of the request is not read). */
    private void fail(Channel channel, HttpResponseStatus status, String message) {
        closing = true;
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        channel.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * On a response writer's thread: waits while the connection's send buffer is full; closes the connection when the
     * client read nothing for {@link #WRITE_STALL_LIMIT_SECONDS} (the writer then sees the connection closed).
     */
    void awaitWritable(Channel channel) {
        if (channel.eventLoop().inEventLoop()) {
            return;
        }
        long deadline = System.nanoTime() + WRITE_STALL_LIMIT_NANOS;
        synchronized (this) {
            while (!channel.isWritable() && channel.isActive()) {
                if (System.nanoTime() > deadline) {
                    // a client that stops reading must not hold a handler thread for ever
                    log.debug("closing {}: it read nothing of the response for {} s", channel.remoteAddress(), WRITE_STALL_LIMIT_SECONDS);
                    channel.close().awaitUninterruptibly(1000);
                    return;
                }
                try {
                    wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        synchronized (this) {
            notifyAll();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        if (current != null) {
            if (current.dispatched) {
                current.body.fail(new IOException("connection closed by the client"));
            } else {
                current.body.close(); // no handler will ever read what arrived
            }
        }
        HttpObject part;
        while ((part = queued.poll()) != null) {
            ReferenceCountUtil.release(part);
        }
        synchronized (this) {
            notifyAll();
        }
        busy = false;
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent && current == null && queued.isEmpty()) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
