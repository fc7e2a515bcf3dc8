package dev.mayfly.http.internal;

import dev.mayfly.http.HttpRequest;
import dev.mayfly.http.Route;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One connection: gathers each request's body within its route's limit, hands whole requests to handlers one at a
 * time and in order, writes their responses, and refuses what it must (400, 408, 413, 417, 501, 503) with a lingering close.
 * Tells the server when it is idle, so that a new connection at the limit can take the place of the one idle longest.
 * Runs on the connection's event loop, except {@link #write}, {@link #abort} and {@link #awaitWritable}, which any
 * thread may call. Handlers run on their route's executor, or right here for requests the route takes inline.
 */
public final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);
    /** Whole requests held behind the one being answered before the connection stops reading (pipelining). */
    private static final int MAX_READY = 16;

    private final ServerState state;
    private final ArrayDeque<Pending> ready = new ArrayDeque<>();
    private final Writability writability = new Writability();
    private Channel channel;
    private Pending receiving;
    private Exchange inFlight;
    private boolean refusing;
    private boolean inputShutdown;
    private ScheduledFuture<?> requestTimer;
    /** Whether request bytes arrived, and whether the codec passed anything on, since the last read completed. */
    private boolean bytesInRead;
    private boolean decodedInRead;
    private long lastReadNanos;
    private String client;
    private Idleness idleness;
    /** Reads of request bytes, and their count when the last request arrived whole: more since means a request began. */
    private long reads;
    private long readsWhenLastArrived;

    public ConnectionHandler(ServerState state) {
        this.state = state;
    }

    /** For the pipeline, first (before TLS): notes that bytes arrived, so the connection is not idle (a handshake too). */
    public ChannelInboundHandler rawBytesWatcher() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                reads++;
                idleness.busy();
                ctx.fireChannelRead(msg);
            }
        };
    }

    /** For the pipeline, just before the HTTP codec (after TLS): notes that request bytes arrived, decoded or not. */
    public ChannelInboundHandler bytesWatcher() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                bytesInRead = true;
                ctx.fireChannelRead(msg);
            }
        };
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        client = ServerState.clientOf(channel);
        idleness = new Idleness(channel, client);
        idleness.idleNow();
        state.connectionOpened(idleness);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastReadNanos = System.nanoTime();
        decodedInRead = true;
        if (refusing || !(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg); // after a refusal everything is dropped until the connection closes
            return;
        }
        if (msg instanceof io.netty.handler.codec.http.HttpRequest head && !start(head)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpContent content) {
            receive(content);
        }
        updateReading();
    }

    /** The headers of a new request: false when it was refused. */
    private boolean start(io.netty.handler.codec.http.HttpRequest head) {
        if (head.decoderResult().isFailure()) {
            refuse(HttpResponseStatus.BAD_REQUEST, "bad request: " + reason(head.decoderResult().cause()));
            return false;
        }
        URI uri;
        try {
            uri = new URI(head.uri());
        } catch (URISyntaxException e) {
            refuse(HttpResponseStatus.BAD_REQUEST, "bad request target: " + e.getMessage());
            return false;
        }
        String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
        Route route = state.routes().find(path);
        int limit = route == null ? Route.SMALL_BODY_BYTES : route.maxBodyBytes();
        HeadChecks.Refusal refusal = HeadChecks.refusal(head, limit);
        if (refusal != null) {
            refuse(route, refusal.status(), refusal.message());
            return false;
        }
        if (head.headers().contains(HttpHeaderNames.EXPECT) && inFlight == null && ready.isEmpty()) {
            channel.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER),
                    channel.voidPromise());
        }
        receiving = Pending.request(head, uri, route, limit, HttpUtil.isKeepAlive(head), channel.alloc().compositeBuffer(1024), client);
        return true;
    }

    /**
     * After each read: a request still arriving gets its timer (most arrive whole in one read and never need one). A
     * read the codec made nothing of while no request is being received holds part of a request head: the request's
     * time starts then, so a client trickling header bytes cannot hold the connection past the request timeout.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Pending timed = receiving;
        boolean headArriving = timed == null && bytesInRead && !decodedInRead && !refusing;
        bytesInRead = false;
        decodedInRead = false;
        if ((timed != null || headArriving) && requestTimer == null) {
            requestTimer = channel.eventLoop().schedule(() -> {
                // cancelled when its request arrives whole: if it was a head still arriving, the request is late
                if (timed == null || receiving == timed) {
                    refuse(HttpResponseStatus.REQUEST_TIMEOUT, "request not received whole within "
                            + state.options().requestTimeout().toSeconds() + " s");
                }
            }, state.options().requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelReadComplete();
    }

    /** A part of the body of the request being received. */
    private void receive(HttpContent content) {
        Pending request = receiving;
        if (request == null) {
            content.release();
            return;
        }
        if (content.decoderResult().isFailure()) {
            content.release();
            refuse(HttpResponseStatus.BAD_REQUEST, "malformed request body: " + reason(content.decoderResult().cause()));
            return;
        }
        int n = content.content().readableBytes();
        boolean last = content instanceof LastHttpContent;
        if (n > 0) {
            if ((long) request.body.readableBytes() + n > request.limit) {
                content.release();
                refuse(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, HeadChecks.tooLarge(request.limit));
                return;
            }
            if (!state.reserve(n)) {
                content.release();
                refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, "the server holds too many request bodies right now; retry later");
                return;
            }
            request.reserved += n;
            if (!last) { // a part of a body still arriving also counts against its client's share
                if (!state.reserveArriving(client, request.arriving, n)) {
                    content.release();
                    refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, "this client holds too many request bodies still arriving; retry later");
                    return;
                }
                request.arriving += n;
            }
            request.body.addComponent(true, content.content()); // the body owns the part now
        } else {
            content.release();
        }
        if (last) {
            readsWhenLastArrived = reads;
            request.arrivedWhole(state);
            cancelRequestTimer();
            receiving = null;
            ready.add(request);
            dispatchNext();
        }
    }

    /** Answers the request being received (in its turn, after those before it) and closes the connection, lingering. */
    private void refuse(HttpResponseStatus status, String message) {
        refuse(receiving == null ? null : receiving.route, status, message);
    }

    private void refuse(Route route, HttpResponseStatus status, String message) {
        Refusals.count(route, status.code());
        if (receiving != null) {
            receiving.release(state);
            receiving = null;
        }
        cancelRequestTimer();
        refusing = true;
        ready.add(Pending.refusal(Refusals.response(status, message)));
        dispatchNext();
        updateReading();
    }

    /** Hands the next whole request to its handler, unless one is being answered. */
    private void dispatchNext() {
        if (inFlight != null || ready.isEmpty() || !channel.isActive()) {
            return;
        }
        Pending next = ready.poll();
        if (next.refusal != null) {
            channel.writeAndFlush(next.refusal).addListener(f -> Refusals.closeLingering(channel, inputShutdown, () -> lastReadNanos));
            return;
        }
        NettyResponse response = new NettyResponse(this, channel, next.head.protocolVersion(),
                next.head.method().name().equals("HEAD"), next.keepAlive);
        HttpRequest request = new HttpRequest(next.head.method().name(), next.uri, next.head.headers(), next.body, client);
        boolean inline = next.route != null && inline(next.route, request);
        Exchange exchange = new Exchange(next, inline ? request.handledInline() : request, response, state);
        inFlight = exchange;
        state.exchangeStarted();
        if (next.route == null) {
            next.release(state);
            response.sendText(404, "not found: " + request.path());
            return;
        }
        if (inline) {
            exchange.run(); // its answer may end the exchange at once, and start the next one, from within
            return;
        }
        try {
            (next.route.executor() != null ? next.route.executor() : state.handlers()).execute(exchange);
        } catch (RejectedExecutionException e) {
            next.release(state);
            response.sendText(503, "shutting down");
        }
    }

    /** Whether {@code route} takes {@code request} on the event loop (a predicate that throws says no). */
    private static boolean inline(Route route, HttpRequest request) {
        try {
            return route.inline() != null && route.inline().test(request);
        } catch (RuntimeException e) {
            log.warn("inline predicate of route {} failed: {}", route.prefix(), e.toString());
            return false;
        }
    }

    /** From any thread: writes a part of {@code response}; {@code last} ends it (then the connection is closed or goes on). */
    void write(NettyResponse response, HttpObject message, boolean last, boolean closeAfter) {
        if (!last) {
            channel.write(message, channel.voidPromise());
            return;
        }
        channel.writeAndFlush(message).addListener(f -> done(response, closeAfter || !f.isSuccess()));
    }

    /** From any thread: the response cannot be completed; the connection is closed. */
    void abort(NettyResponse response) {
        channel.close();
        if (channel.eventLoop().inEventLoop()) {
            done(response, true);
        } else {
            try {
                channel.eventLoop().execute(() -> done(response, true));
            } catch (RejectedExecutionException e) {
                // the server is stopping: the connection is gone with its event loop
            }
        }
    }

    /** On the event loop: {@code response} is out; the next request goes, or the connection ends. */
    private void done(NettyResponse response, boolean close) {
        if (inFlight == null || inFlight.response != response) {
            return;
        }
        boolean keepAlive = inFlight.pending.keepAlive;
        inFlight = null;
        state.exchangeEnded();
        if (close || !keepAlive || inputShutdown && ready.isEmpty() && receiving == null) {
            channel.close();
            return;
        }
        dispatchNext();
        updateReading();
        if (inFlight == null && ready.isEmpty() && receiving == null && !refusing && reads == readsWhenLastArrived) {
            // no bytes came in since the last request arrived whole; a pipelined head that came in the same read, held
            // by the codec, is not seen: a client that pipelines retries what a closed connection left unanswered
            idleness.idleNow();
        }
    }

    /** Reads while few whole requests wait (after a refusal, always: input is dropped). */
    private void updateReading() {
        boolean read = refusing || ready.size() < MAX_READY;
        if (read != channel.config().isAutoRead()) {
            channel.config().setAutoRead(read);
        }
    }

    /** On a response writer's thread: waits while the client has no room, at most the write timeout. */
    void awaitWritable() throws IOException {
        writability.await(channel, state.options().writeTimeout());
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        writability.changed();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
            inputShutdown = true; // a half-closed client still gets the answers to what it sent
            if (receiving != null && !refusing) {
                Refusals.count(receiving.route, Route.CLIENT_CLOSED);
                refuse(null, HttpResponseStatus.BAD_REQUEST, "bad request: the client closed its side before the body arrived whole");
            }
            if (refusing && inFlight == null && ready.isEmpty() || inFlight == null && ready.isEmpty() && receiving == null) {
                ctx.close();
            }
        } else if (event instanceof IdleStateEvent && inFlight == null && ready.isEmpty() && receiving == null) {
            ctx.close();
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state.connectionClosed(idleness);
        cancelRequestTimer();
        if (receiving != null) {
            if (!refusing) {
                Refusals.count(receiving.route, Route.CLIENT_CLOSED); // reset before its request arrived whole
            }
            receiving.release(state);
            receiving = null;
        }
        Pending p;
        while ((p = ready.poll()) != null) {
            if (p.refusal != null) {
                p.refusal.release();
            } else {
                p.release(state);
            }
        }
        if (inFlight != null) {
            inFlight = null; // its handler still owns and releases its body
            state.exchangeEnded();
        }
        writability.changed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private void cancelRequestTimer() {
        if (requestTimer != null) {
            requestTimer.cancel(false);
            requestTimer = null;
        }
    }

    private static String reason(Throwable cause) {
        return cause == null ? "unknown" : cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}
