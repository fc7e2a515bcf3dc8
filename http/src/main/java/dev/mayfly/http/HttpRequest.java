package dev.mayfly.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.HttpHeaders;

import java.io.InputStream;
import java.net.URI;
import java.util.List;

/**
 * One request, received whole. Immutable except for the body stream, which can be read once, until the handler
 * returns. Header names are case-insensitive.
 */
public final class HttpRequest {
    private final String method;
    private final URI uri;
    private final HttpHeaders headers;
    private final ByteBuf body;
    private final String clientAddress;
    private final boolean inline;

    /** For the server: {@code uri} is the request target as sent, already checked to parse. */
    public HttpRequest(String method, URI uri, HttpHeaders headers, ByteBuf body, String clientAddress) {
        this(method, uri, headers, body, clientAddress, false);
    }

    private HttpRequest(String method, URI uri, HttpHeaders headers, ByteBuf body, String clientAddress, boolean inline) {
        this.method = method;
        this.uri = uri;
        this.headers = headers;
        this.body = body;
        this.clientAddress = clientAddress;
        this.inline = inline;
    }

    /** For the server: this request, handled on the connection's event loop ({@link Route#inlineWhen}). */
    public HttpRequest handledInline() {
        return new HttpRequest(method, uri, headers, body, clientAddress, true);
    }

    /**
     * True when the handler runs on the connection's event loop (its route's {@link Route#inline} predicate accepted
     * this request): it must not wait for anything, or every connection of that loop waits with it.
     */
    public boolean isInline() {
        return inline;
    }

    public String method() {
        return method;
    }

    public boolean isHead() {
        return method.equals("HEAD");
    }

    /** The path, percent-decoded. */
    public String path() {
        String path = uri.getPath();
        return path == null || path.isEmpty() ? "/" : path;
    }

    /** The path as sent, not decoded (for paths whose segments may contain an encoded '/'). */
    public String rawPath() {
        String path = uri.getRawPath();
        return path == null || path.isEmpty() ? "/" : path;
    }

    /** The query as sent, or null. */
    public String rawQuery() {
        return uri.getRawQuery();
    }

    /** The first value of header {@code name}, or null. */
    public String header(String name) {
        return headers.get(name);
    }

    /** Every value of header {@code name}, in order; empty when absent. */
    public List<String> headers(String name) {
        return headers.getAll(name);
    }

    /** The body; readable until the handler returns. */
    public InputStream body() {
        return new ByteBufInputStream(body.duplicate());
    }

    public int bodyLength() {
        return body.readableBytes();
    }

    /** The client's IP address, as text. */
    public String clientAddress() {
        return clientAddress;
    }
}
