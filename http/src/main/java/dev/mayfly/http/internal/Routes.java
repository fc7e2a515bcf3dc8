package dev.mayfly.http.internal;

import dev.mayfly.http.Route;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** Routes by path prefix; the longest matching prefix wins. Thread-safe. */
public final class Routes {
    private final ConcurrentSkipListMap<String, Route> byPrefix = new ConcurrentSkipListMap<>();

    public void add(Route route) {
        byPrefix.put(route.prefix(), route);
    }

    /** The route of {@code path}, or null. */
    public Route find(String path) {
        // every prefix of path sorts at or before it, a longer one after a shorter one: the first found going down is the longest
        for (Map.Entry<String, Route> e : byPrefix.headMap(path, true).descendingMap().entrySet()) {
            if (path.startsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return null;
    }
}
