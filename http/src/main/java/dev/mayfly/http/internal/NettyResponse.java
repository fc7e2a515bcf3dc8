package dev.mayfly.http.internal;

import dev.mayfly.http.HttpResponse;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.io.OutputStream;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/** The response of one exchange: written through the connection's channel, from any thread, once. */
final class NettyResponse implements HttpResponse {
    private final ConnectionHandler connection;
    private final Channel channel;
    private final HttpVersion version;
    private final boolean head;
    private final boolean keepAlive;
    private final HttpHeaders headers = new DefaultHttpHeaders();
    private final AtomicBoolean started = new AtomicBoolean();

    NettyResponse(ConnectionHandler connection, Channel channel, HttpVersion version, boolean head, boolean keepAlive) {
        this.connection = connection;
        this.channel = channel;
        this.version = version;
        this.head = head;
        this.keepAlive = keepAlive;
    }

    @Override
    public HttpResponse header(String name, String value) {
        if (!started.get()) {
            headers.set(name, value);
        }
        return this;
    }

    @Override
    public void send(int status, String contentType, byte[] body) {
        start();
        FullHttpResponse response = new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(status),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body), headers, EmptyHttpHeaders.INSTANCE);
        if (contentType != null) {
            headers.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        headers.set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        connectionHeader(keepAlive);
        connection.write(this, response, true, !keepAlive);
    }

    @Override
    public OutputStream stream(int status, String contentType) {
        start();
        DefaultHttpResponse response = new DefaultHttpResponse(version, HttpResponseStatus.valueOf(status), headers);
        if (contentType != null) {
            headers.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        boolean chunked = version.equals(HttpVersion.HTTP_1_1);
        if (chunked) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        // without chunking, the end of the body is the end of the connection
        boolean reusable = keepAlive && chunked;
        connectionHeader(reusable);
        connection.write(this, response, false, false);
        return new ChunkedBodyStream(connection, this, channel, head, !reusable);
    }

    private void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("the response was already started");
        }
    }

    private void connectionHeader(boolean reusable) {
        if (!reusable) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (version.equals(HttpVersion.HTTP_1_0)) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    @Override
    public Executor writer() {
        return channel.eventLoop();
    }

    @Override
    public boolean isStarted() {
        return started.get();
    }

    @Override
    public void abort() {
        started.set(true);
        connection.abort(this);
    }
}
