package dev.mayfly.gateway.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Counts authentication failures per client address in fixed windows: once a client has {@code limit} failures in
 * its current window it is refused (without any password being checked) until that window ends. A success does not
 * reset the count (a client holding one valid account must not be able to reset its count while it guesses
 * another's password). IPv6 clients are counted by their /64, the block one subscriber usually gets.
 *
 * <p>Memory is bounded: past {@value #MAX_CLIENTS} tracked clients, ended windows are dropped, then clients that are
 * not refused right now. Thread-safe.
 */
public final class FailureLimiter {
    static final int MAX_CLIENTS = 100_000;

    private final int limit;
    private final long windowMillis;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    private record Window(long startMillis, int failures) {
    }

    /**
     * @param limit        failures a client may have within one window; 0 turns the limit off
     * @param windowMillis length of a window
     * @param clock        milliseconds, monotonic enough for windows (e.g. {@code System::currentTimeMillis})
     */
    public FailureLimiter(int limit, long windowMillis, LongSupplier clock) {
        if (limit < 0 || windowMillis <= 0) {
            throw new IllegalArgumentException("limit must be >= 0 and the window positive");
        }
        this.limit = limit;
        this.windowMillis = windowMillis;
        this.clock = clock;
    }

    /** Seconds until {@code client} may try again (at least 1), or 0 when it may try now. */
    public long refusedForSeconds(String client) {
        if (limit == 0) {
            return 0;
        }
        Window w = windows.get(clientKey(client));
        long now = clock.getAsLong();
        if (w == null || w.failures < limit || now >= w.startMillis + windowMillis) {
            return 0;
        }
        return Math.max(1, (w.startMillis + windowMillis - now + 999) / 1000);
    }

    /** Records one failure of {@code client}. */
    public void failed(String client) {
        if (limit == 0) {
            return;
        }
        long now = clock.getAsLong();
        if (windows.size() >= MAX_CLIENTS) {
            shrink(now);
        }
        windows.compute(clientKey(client), (k, w) -> w == null || now >= w.startMillis + windowMillis
                ? new Window(now, 1)
                : new Window(w.startMillis, w.failures + 1));
    }

    private void shrink(long now) {
        windows.values().removeIf(w -> now >= w.startMillis + windowMillis);
        if (windows.size() >= MAX_CLIENTS) {
            windows.values().removeIf(w -> w.failures < limit);
        }
    }

    /** The address as counted: IPv6 literals by their /64 prefix, anything else as given. */
    static String clientKey(String client) {
        if (client == null || client.indexOf(':') < 0) {
            return client == null ? "" : client;
        }
        try {
            byte[] a = InetAddress.getByName(client).getAddress(); // a literal with ':' is parsed, never looked up
            if (a.length != 16) {
                return client;
            }
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < 8; i += 2) {
                prefix.append(Integer.toHexString(((a[i] & 0xff) << 8) | (a[i + 1] & 0xff))).append(':');
            }
            return prefix.append(":/64").toString();
        } catch (UnknownHostException | SecurityException e) {
            return client;
        }
    }
}
