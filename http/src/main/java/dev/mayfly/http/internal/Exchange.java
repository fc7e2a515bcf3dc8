package dev.mayfly.http.internal;

import dev.mayfly.http.HttpRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One request handed to its route's handler: runs the handler (on a handler thread, or inline on the event loop), then releases the body. */
final class Exchange implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    final Pending pending;
    final NettyResponse response;
    private final HttpRequest request;
    private final ServerState state;

    Exchange(Pending pending, HttpRequest request, NettyResponse response, ServerState state) {
        this.pending = pending;
        this.request = request;
        this.response = response;
        this.state = state;
    }

    @Override
    public void run() {
        try {
            pending.route.handler().handle(request, response);
        } catch (Throwable e) {
            log.error("handling {} {} failed", request.method(), request.path(), e);
            if (!response.isStarted()) {
                response.sendText(500, "internal error: " + e);
            } else {
                response.abort();
            }
        } finally {
            pending.release(state);
        }
    }
}
