package dev.mayfly.http;

/**
 * Handles the requests of one {@link Route}.
 *
 * <p>Contract: called on the route's executor (or on the connection's event loop for a request the route takes inline, see
 * {@link HttpRequest#isInline()}: then it must not wait) once the whole request, body included, has arrived within the route's
 * body limit, so a handler never waits for a slow client. The body can be read until this method returns (it is
 * released then). The response may be completed in this method or later from any thread, exactly once. If this
 * method throws before the response started, the client gets 500. Requests of one connection are handed over one at
 * a time, in order; requests of different connections run concurrently.
 */
@FunctionalInterface
public interface RequestHandler {
    void handle(HttpRequest request, HttpResponse response) throws Exception;

    /**
     * {@code handler} for exactly {@code path}, GET and HEAD only: any other path under the route's prefix is
     * answered 404, any other method 405 with {@code Allow}. For read-only pages (scrapes, the status page).
     */
    static RequestHandler getOnly(String path, RequestHandler handler) {
        return (request, response) -> {
            if (!path.equals(request.path())) {
                response.sendText(404, "not found: " + request.path() + " (only " + path + " is served here)");
            } else if (!request.method().equals("GET") && !request.isHead()) {
                response.header("Allow", "GET, HEAD");
                response.sendText(405, "method " + request.method() + " not allowed: use GET");
            } else {
                handler.handle(request, response);
            }
        };
    }
}
