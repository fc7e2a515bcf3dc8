package dev.mayfly.http.internal;

import dev.mayfly.http.Route;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;

import java.net.URI;

/**
 * A request of one connection, from its headers until it is answered: its body is gathered in {@code body} (and
 * counted against the server's budget in {@code reserved}, and while it is still arriving against its client's share
 * in {@code arriving}); or, for a request the server refuses itself, the
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
    final String client;
    long reserved;
    long arriving;

    private Pending(HttpRequest head, URI uri, Route route, int limit, boolean keepAlive, CompositeByteBuf body,
                    FullHttpResponse refusal, String client) {
        this.head = head;
        this.uri = uri;
        this.route = route;
        this.limit = limit;
        this.keepAlive = keepAlive;
        this.body = body;
        this.refusal = refusal;
        this.client = client;
    }

    static Pending request(HttpRequest head, URI uri, Route route, int limit, boolean keepAlive, CompositeByteBuf body, String client) {
        return new Pending(head, uri, route, limit, keepAlive, body, null, client);
    }

    static Pending refusal(FullHttpResponse response) {
        return new Pending(null, null, null, 0, false, null, response, null);
    }

    /** The body arrived whole: it no longer counts against its client's share. */
    void arrivedWhole(ServerState state) {
        state.arrived(client, arriving);
        arriving = 0;
    }

    /** Gives back the body and its budget (idempotent). */
    void release(ServerState state) {
        if (body != null && body.refCnt() > 0) {
            body.release();
        }
        state.release(reserved);
        reserved = 0;
        arrivedWhole(state);
    }
}
