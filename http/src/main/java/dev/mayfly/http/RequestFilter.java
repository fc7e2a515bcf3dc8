package dev.mayfly.http;

/**
 * Runs before a route's handler, on the same thread, and either answers the request itself (e.g. 401) or lets the
 * handler run. Contract as {@link RequestHandler}.
 */
@FunctionalInterface
public interface RequestFilter {
    /** True to let the handler run; false when this filter answered {@code response}. */
    boolean admit(HttpRequest request, HttpResponse response) throws Exception;

    default RequestHandler around(RequestHandler handler) {
        return (request, response) -> {
            if (admit(request, response)) {
                handler.handle(request, response);
            }
        };
    }
}
