package dev.mayfly.http;

/**
 * Handles the requests of one {@link Route}.
 *
 * <p>Contract: called on the route's executor once the whole request, body included, has arrived within the route's
 * body limit, so a handler never waits for a slow client. The body can be read until this method returns (it is
 * released then). The response may be completed in this method or later from any thread, exactly once. If this
 * method throws before the response started, the client gets 500. Requests of one connection are handed over one at
 * a time, in order; requests of different connections run concurrently.
 */
@FunctionalInterface
public interface RequestHandler {
    void handle(HttpRequest request, HttpResponse response) throws Exception;
}
