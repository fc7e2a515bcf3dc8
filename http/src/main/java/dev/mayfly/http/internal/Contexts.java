package dev.mayfly.http.internal;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** The server's contexts; matched by the longest path prefix, as the JDK server does. Thread-safe. */
public final class Contexts {
    private final HttpServer server;
    private final List<Context> contexts = new CopyOnWriteArrayList<>();

    public Contexts(HttpServer server) {
        this.server = server;
    }

    public synchronized HttpContext create(String path, HttpHandler handlerOrNull) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("a context path starts with '/': " + path);
        }
        if (contexts.stream().anyMatch(c -> c.getPath().equals(path))) {
            throw new IllegalArgumentException("a context already exists for " + path);
        }
        Context context = new Context(server, path, handlerOrNull);
        contexts.add(context);
        return context;
    }

    public synchronized void remove(String path) {
        if (!contexts.removeIf(c -> c.getPath().equals(path))) {
            throw new IllegalArgumentException("no context for " + path);
        }
    }

    /** The context whose path is the longest prefix of {@code path}, or null. */
    Context find(String path) {
        Context best = null;
        for (Context c : contexts) {
            if (path.startsWith(c.getPath()) && (best == null || c.getPath().length() > best.getPath().length())) {
                best = c;
            }
        }
        return best;
    }

    static final class Context extends HttpContext {
        private final HttpServer server;
        private final String path;
        private volatile HttpHandler handler;
        private final List<Filter> filters = new CopyOnWriteArrayList<>();
        private final Map<String, Object> attributes = new ConcurrentHashMap<>();

        Context(HttpServer server, String path, HttpHandler handler) {
            this.server = server;
            this.path = path;
            this.handler = handler;
        }

        @Override
        public HttpHandler getHandler() {
            return handler;
        }

        @Override
        public void setHandler(HttpHandler handler) {
            this.handler = handler;
        }

        @Override
        public String getPath() {
            return path;
        }

        @Override
        public HttpServer getServer() {
            return server;
        }

        @Override
        public Map<String, Object> getAttributes() {
            return attributes;
        }

        @Override
        public List<Filter> getFilters() {
            return filters;
        }

        /** Not supported: authenticate in a {@link Filter} (an authenticator set here would silently not apply). */
        @Override
        public Authenticator setAuthenticator(Authenticator authenticator) {
            throw new UnsupportedOperationException("authenticators are not supported; add a Filter to the context");
        }

        @Override
        public Authenticator getAuthenticator() {
            return null;
        }
    }
}
