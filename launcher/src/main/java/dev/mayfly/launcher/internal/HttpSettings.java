package dev.mayfly.launcher.internal;

import dev.mayfly.http.HttpServerOptions;
import dev.mayfly.http.ServerTls;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Setting;
import dev.mayfly.schemas.config.Settings;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The HTTP port's limits, timeouts and web config file, the same keys for every command that serves HTTP. */
public final class HttpSettings {
    private static final HttpServerOptions DEFAULTS = HttpServerOptions.defaults();
    public static final Setting<Integer> MAX_CONNECTIONS = Setting.integer("http.max.connections", DEFAULTS.maxConnections(),
            "Open HTTP connections; past it a new one takes the place of the one idle longest (idle at least 1 s), which is closed, or is answered 503 and closed when none is");
    public static final Setting<Integer> MAX_CONNECTIONS_PER_CLIENT = Setting.integer("http.max.connections.per.client", 0,
            "Open HTTP connections of one client address; past it a new one of that address takes the place of its connection idle longest (idle at least 1 s), or is answered 503 and closed; 0: a quarter of http.max.connections");
    public static final Setting<Long> MAX_BUFFERED_BYTES = Setting.longValue("http.max.buffered.bytes", DEFAULTS.maxBufferedBytes(),
            "Request body bytes held at once over every connection; past it a request is answered 503 with Retry-After");
    public static final Setting<Long> MAX_ARRIVING_BYTES_PER_CLIENT = Setting.longValue("http.max.arriving.bytes.per.client", 0L,
            "Bytes of request bodies still arriving that one client address may hold at once, beyond its one body arriving (always taken up to the route's limit); past it its request is answered 503 with Retry-After; 0: a quarter of http.max.buffered.bytes");
    public static final Setting<Duration> REQUEST_TIMEOUT = Setting.duration("http.request.timeout", DEFAULTS.requestTimeout(),
            "A request (head and body) not arrived whole this long after its first bytes is answered 408 and its connection closed");
    public static final Setting<Duration> WRITE_TIMEOUT = Setting.duration("http.write.timeout", DEFAULTS.writeTimeout(),
            "A client that reads nothing of a response for this long has its connection closed");
    public static final Setting<Duration> IDLE_TIMEOUT = Setting.duration("http.idle.timeout", DEFAULTS.idleTimeout(),
            "A connection with no request under way and no traffic for this long is closed");
    public static final Setting<String> WEB_CONFIG_FILE = Setting.string("web.config.file", "",
            "Web configuration file in the Prometheus exporter-toolkit format (TLS from PEM, client certificates, basic_auth_users, headers; docs/web-config.md), as --web.config.file; empty: none");
    public static final List<Setting<?>> ALL = List.of(MAX_CONNECTIONS, MAX_CONNECTIONS_PER_CLIENT, MAX_BUFFERED_BYTES, MAX_ARRIVING_BYTES_PER_CLIENT, REQUEST_TIMEOUT, WRITE_TIMEOUT, IDLE_TIMEOUT,
            WEB_CONFIG_FILE);

    private HttpSettings() {
    }

    /** The server options of {@code raw}'s {@code http.*} keys (other keys are left to the services). */
    public static HttpServerOptions options(Map<String, String> raw, String host, int port, ServerTls tlsOrNull) {
        Settings settings = Settings.parse(ServiceConfigs.sliceFor(raw, ALL), ALL, "kafka.");
        if (port < 0 || port > 65535) {
            throw new ConfigException("--http-port must be between 0 and 65535, got " + port);
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host); // before anything starts: a name that does not resolve is named now
        } catch (UnknownHostException e) {
            throw new ConfigException("--bind " + host + ": no such address (" + e.getMessage() + ")");
        }
        if (!address.isAnyLocalAddress() && !address.isLoopbackAddress() && !isOfThisMachine(address)) {
            throw new ConfigException("--bind " + host + ": " + address.getHostAddress() + " is not an address of this machine");
        }
        try {
            return DEFAULTS.withAddress(host, port).withTls(tlsOrNull)
                    .withLimits(settings.get(MAX_CONNECTIONS), settings.get(MAX_BUFFERED_BYTES), arrivingShare(settings))
                    .withConnectionsPerClient(connectionShare(settings))
                    .withTimeouts(settings.get(IDLE_TIMEOUT), settings.get(REQUEST_TIMEOUT), settings.get(WRITE_TIMEOUT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("config keys http.*: " + e.getMessage());
        }
    }

    private static boolean isOfThisMachine(InetAddress address) {
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return true; // cannot tell: let the listen say
        }
    }

    private static int connectionShare(Settings settings) {
        return (int) share(settings, MAX_CONNECTIONS_PER_CLIENT.name(), settings.get(MAX_CONNECTIONS_PER_CLIENT), settings.get(MAX_CONNECTIONS));
    }

    private static long arrivingShare(Settings settings) {
        return share(settings, MAX_ARRIVING_BYTES_PER_CLIENT.name(), settings.get(MAX_ARRIVING_BYTES_PER_CLIENT), settings.get(MAX_BUFFERED_BYTES));
    }

    /** One client address's share of {@code total}: {@code value}, or a quarter of the total when it is 0. */
    private static long share(Settings settings, String key, long value, long total) {
        if (value < 0) {
            throw new ConfigException("config key " + key + " must not be negative");
        }
        return value == 0 ? Math.max(1, total / 4) : value;
    }

    /** {@code raw} without the {@code http.*} keys. */
    public static Map<String, String> without(Map<String, String> raw) {
        Map<String, String> rest = new java.util.LinkedHashMap<>(raw);
        ALL.forEach(s -> rest.remove(s.name()));
        return rest;
    }
}
