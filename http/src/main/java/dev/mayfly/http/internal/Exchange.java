package dev.mayfly.http.internal;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One request and its response on a Netty connection, behind the {@link HttpExchange} API. Written by one thread at a
 * time (the handler's, or the one that completes an asynchronous response); the connection learns of the end of the
 * response on its event loop.
 */
final class Exchange extends HttpExchange {
    private static final Logger log = LoggerFactory.getLogger(Exchange.class);
    /** A response body is sent in chunks of this size; a smaller one goes out with the headers in one write. */
    static final int CHUNK = 64 * 1024;

    private final Connection connection;
    private final Channel channel;
    private final HttpRequest request;
    private final Contexts.Context context;
    private final URI uri;
    private final Headers requestHeaders = new Headers();
    private final Headers responseHeaders = new Headers();
    /** Cleared when the response's end can only be told by closing the connection (HTTP/1.0, length unknown). */
    private volatile boolean keepAlive;
    private final boolean headRequest;
    final RequestBody body;
    private final ResponseBody responseBody = new ResponseBody();
    private InputStream in;
    private OutputStream out;
    private Map<String, Object> attributes;
    private volatile int status = -1;
    private long declaredLength;
    private boolean headSent;
    private boolean finished;

    // event-loop state, read and written by the connection only
    boolean dispatched;
    boolean requestComplete;
    boolean responseComplete;

    Exchange(Connection connection, Channel channel, HttpRequest request, URI uri, Contexts.Context context) {
        this.connection = connection;
        this.channel = channel;
        this.request = request;
        this.uri = uri;
        this.context = context;
        for (Map.Entry<String, String> header : request.headers()) {
            requestHeaders.add(header.getKey(), header.getValue());
        }
        this.keepAlive = HttpUtil.isKeepAlive(request);
        this.headRequest = HttpMethod.HEAD.equals(request.method());
        this.body = new RequestBody(channel, connection::updateReading);
        this.in = body;
        this.out = responseBody;
    }

    /** Runs the context's filters and handler; a handler that throws has its connection closed (500 if nothing was sent). */
    void run() {
        try {
            new Filter.Chain(context.getFilters(), context.getHandler()).doFilter(this);
        } catch (Throwable t) {
            log.debug("handler for {} failed", uri, t);
            abort(t);
        }
    }

    /** Ends the exchange on an error: 500 when no response was started, and the connection is closed either way. */
    synchronized void abort(Throwable cause) {
        body.close();
        if (finished) {
            return;
        }
        finished = true;
        responseBody.discard();
        if (!headSent && status == -1) {
            HttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    Unpooled.EMPTY_BUFFER);
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0).set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            channel.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
        connection.responseDone(this);
    }

    @Override
    public Headers getRequestHeaders() {
        return requestHeaders;
    }

    @Override
    public Headers getResponseHeaders() {
        return responseHeaders;
    }

    @Override
    public URI getRequestURI() {
        return uri;
    }

    @Override
    public String getRequestMethod() {
        return request.method().name();
    }

    @Override
    public HttpContext getHttpContext() {
        return context;
    }

    @Override
    public synchronized void close() {
        body.close();
        if (finished) {
            return;
        }
        if (status == -1) {
            // closed without a response: the client learns it from the closed connection, as with the JDK server
            finished = true;
            channel.close();
            connection.responseDone(this);
            return;
        }
        try {
            out.close();
        } catch (IOException e) {
            log.debug("closing the response to {} failed: {}", uri, e.toString());
            channel.close();
        }
    }

    @Override
    public InputStream getRequestBody() {
        return in;
    }

    @Override
    public OutputStream getResponseBody() {
        return out;
    }

    @Override
    public synchronized void sendResponseHeaders(int code, long length) throws IOException {
        if (status != -1) {
            throw new IOException("response headers already sent");
        }
        if (finished) {
            throw new IOException("exchange already closed");
        }
        status = code;
        declaredLength = length;
        if (length == -1 || headRequest) {
            // no body: the response is complete now
            finished = true;
            HttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.valueOf(code),
                    Unpooled.EMPTY_BUFFER);
            copyHeaders(response, length == -1 ? 0 : length);
            body.close(); // the response is complete: what is left of the request is dropped, as the JDK server does
            write(response, true);
        }
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return (InetSocketAddress) channel.remoteAddress();
    }

    @Override
    public int getResponseCode() {
        return status;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public String getProtocol() {
        return request.protocolVersion().text();
    }

    @Override
    public synchronized Object getAttribute(String name) {
        return attributes == null ? null : attributes.get(name);
    }

    @Override
    public synchronized void setAttribute(String name, Object value) {
        if (attributes == null) {
            attributes = new HashMap<>();
        }
        attributes.put(name, value);
    }

    @Override
    public synchronized void setStreams(InputStream i, OutputStream o) {
        if (i != null) {
            in = i;
        }
        if (o != null) {
            out = o;
        }
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return null;
    }

    private void copyHeaders(HttpResponse response, long contentLength) {
        for (Map.Entry<String, List<String>> header : responseHeaders.entrySet()) {
            response.headers().add(header.getKey(), header.getValue());
        }
        int code = response.status().code();
        if (contentLength >= 0) {
            if (code >= 200 && code != 204 && code != 304) {
                response.headers().set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
            }
        } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            keepAlive = false; // an HTTP/1.0 client knows no chunks: the body ends when the connection does
        } else {
            response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    /** Writes the last part of the response: the connection is told when it is out, and closed unless kept alive. */
    private void write(Object message, boolean last) {
        if (!last) {
            channel.writeAndFlush(message, channel.voidPromise());
            return;
        }
        channel.writeAndFlush(message).addListener(f -> {
            if (!f.isSuccess() || !keepAlive) {
                channel.close();
            }
            connection.responseDone(this);
        });
    }

    /** Buffers the body; sends it with the headers in one write when it fits one chunk, else in chunks. */
    private final class ResponseBody extends OutputStream {
        private ByteBuf buffer;
        private long written;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            synchronized (Exchange.this) {
                if (status == -1) {
                    throw new IOException("sendResponseHeaders was not called");
                }
                if (finished) {
                    throw new IOException("response already complete");
                }
                if (declaredLength > 0 && written + len > declaredLength) {
                    // more than the Content-Length would be read by the client as the start of the next response
                    throw new IOException("too many bytes to write to stream");
                }
                written += len;
                while (len > 0) {
                    if (buffer == null) {
                        buffer = channel.alloc().buffer(Math.min(CHUNK, Math.max(len, 256)), CHUNK);
                    }
                    int n = Math.min(len, buffer.maxWritableBytes());
                    buffer.writeBytes(b, off, n);
                    off += n;
                    len -= n;
                    if (!buffer.isWritable() || buffer.maxWritableBytes() == 0) {
                        sendChunk();
                    }
                }
            }
        }

        /** Under the exchange's monitor: releases what was written and not sent. */
        void discard() {
            if (buffer != null) {
                buffer.release();
                buffer = null;
            }
        }

        @Override
        public void flush() {
            // chunks go out when full and at close: a flush of a few bytes would cost a write each
        }

        private void sendChunk() throws IOException {
            if (!headSent) {
                HttpResponse head = new DefaultHttpResponse(request.protocolVersion(), HttpResponseStatus.valueOf(status));
                copyHeaders(head, declaredLength > 0 ? declaredLength : -1);
                headSent = true;
                channel.write(head, channel.voidPromise());
            }
            ByteBuf chunk = buffer;
            buffer = null;
            Exchange.this.write(new DefaultHttpContent(chunk), false);
            connection.awaitWritable(channel);
            if (!channel.isActive()) {
                throw new IOException("connection closed by the client");
            }
        }

        @Override
        public void close() throws IOException {
            synchronized (Exchange.this) {
                if (finished || status == -1) {
                    return;
                }
                finished = true;
                body.close(); // the response is complete: what is left of the request is dropped, as the JDK server does
                if (declaredLength > 0 && written < declaredLength) {
                    // the client would wait for the rest forever: it learns of the short response from the closed connection
                    discard();
                    channel.close();
                    connection.responseDone(Exchange.this);
                    throw new IOException("insufficient bytes written to stream");
                }
                ByteBuf rest = buffer == null ? Unpooled.EMPTY_BUFFER : buffer;
                buffer = null;
                if (!headSent) {
                    HttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.valueOf(status), rest);
                    copyHeaders(response, rest.readableBytes());
                    Exchange.this.write(response, true);
                } else {
                    Exchange.this.write(new DefaultLastHttpContent(rest), true);
                }
            }
        }
    }
}
