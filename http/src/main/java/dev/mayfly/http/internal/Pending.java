package dev.mayfly.http.internal;

import dev.mayfly.http.Route;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;

import java.net.URI;

/**
 * A request of one connection, from its headers until it is answered: its body is gathered in {@code body} (and
 * counted against the server's budget in {@code reserved}); or, for a request the server refuses itself, the
 * {@code refusal} to send in its turn. Confined to the connection's event loop until handed to a handler.
 */
final class Pending {
    final HttpRequest head;
    final URI uri;
    final Route route;
    final int limit;
    final boolean keepAlive;
    final CompositeByteBuf body;
    final FullHttpResponse refusal;
    long reserved;

    private Pending(HttpRequest head, URI uri, Route route, int limit, boolean keepAlive, CompositeByteBuf body, FullHttpResponse refusal) {
        this.head = head;
        this.uri = uri;
        this.route = route;
        this.limit = limit;
        this.keepAlive = keepAlive;
        this.body = body;
        this.refusal = refusal;
    }

    static Pending request(HttpRequest head, URI uri, Route route, int limit, boolean keepAlive, CompositeByteBuf body) {
        return new Pending(head, uri, route, limit, keepAlive, body, null);
    }

    static Pending refusal(FullHttpResponse response) {
        return new Pending(null, null, null, 0, false, null, response);
    }

    /** Gives back the body and its budget (idempotent). */
    void release(ServerState state) {
        if (body != null && body.refCnt() > 0) {
            body.release();
        }
        state.release(reserved);
        reserved = 0;
    }
}
