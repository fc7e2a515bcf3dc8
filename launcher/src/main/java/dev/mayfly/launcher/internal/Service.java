package dev.mayfly.launcher.internal;

import dev.mayfly.http.Route;

import java.util.List;

/**
 * One Mayfly service running inside a launcher process. The host starts services in the order they were added
 * and closes them in reverse order; {@link #isReady()} is polled by {@code /-/ready} from HTTP threads.
 */
public interface Service extends AutoCloseable {
    String name();

    /** This service's HTTP routes, valid once it started; services without HTTP have none. */
    default List<Route> routes() {
        return List.of();
    }

    void start();

    boolean isReady();

    /** False when the service stopped on an error it cannot recover from; {@code /-/healthy} then answers 503. */
    default boolean isHealthy() {
        return true;
    }

    @Override
    void close();

    static Service of(String name, Runnable start, java.util.function.BooleanSupplier ready, Runnable close,
                      java.util.function.Supplier<List<Route>> routes) {
        return of(name, start, ready, () -> true, close, routes);
    }

    static Service of(String name, Runnable start, java.util.function.BooleanSupplier ready,
                      java.util.function.BooleanSupplier healthy, Runnable close,
                      java.util.function.Supplier<List<Route>> routes) {
        return new Service() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<Route> routes() {
                return routes.get();
            }

            @Override
            public void start() {
                start.run();
            }

            @Override
            public boolean isReady() {
                return ready.getAsBoolean();
            }

            @Override
            public boolean isHealthy() {
                return healthy.getAsBoolean();
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }
}
