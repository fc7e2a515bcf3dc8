package dev.mayfly.launcher.internal.webconfig;

import dev.mayfly.gateway.Authenticator;
import dev.mayfly.http.RequestFilter;
import dev.mayfly.http.ServerTls;
import dev.mayfly.schemas.config.ConfigException;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * The web configuration file in force, re-read when it or a file it names (certificate, key, client CA) changes, as
 * the exporter-toolkit re-reads it per connection: every new connection and every request first compares their
 * modification times and sizes (a few {@code stat}s), and reads everything again if one moved. A file that no longer
 * reads or validates keeps the last good configuration in force, is logged, and is counted in
 * {@code mayfly_http_web_config_reload_failures_total}; {@code mayfly_http_web_config_last_reload_successful} is 0
 * until a good file is read again. Whether TLS is served is fixed at start (as the toolkit fixes it): a reload can
 * change the certificate, the client-certificate policy, users and headers, but not turn TLS on or off.
 * Thread-safe.
 */
public final class WebConfigFile {
    private static final Logger log = LoggerFactory.getLogger(WebConfigFile.class);
    private static final Counter RELOAD_FAILURES = Counter.builder()
            .name("mayfly_http_web_config_reload_failures_total")
            .help("Times the web config file (or a certificate, key or CA it names) changed but could not be used; the last good one stayed in force")
            .register();
    private static final Gauge LAST_RELOAD_OK = Gauge.builder()
            .name("mayfly_http_web_config_last_reload_successful")
            .help("1 when the web config file in force is the one on disk, 0 when the file on disk could not be used")
            .register();

    /** What one good read produced. */
    private record InForce(WebConfig config, PemTls.Built tls, Authenticator users, List<Object> stamps) {
    }

    private final Path file;
    private volatile InForce current;
    private volatile List<Object> failedStamps;

    private WebConfigFile(Path file, InForce first) {
        this.file = file;
        this.current = first;
    }

    /** Reads {@code file}; a broken file at start is a {@link ConfigException} (nothing to fall back to). */
    public static WebConfigFile open(Path file) {
        InForce first = load(file);
        LAST_RELOAD_OK.set(1);
        if (!first.config().notApplied().isEmpty()) {
            log.warn("web config file {}: {} accepted but not applied (see docs/web-config.md: rate_limit is not "
                    + "implemented; curve_preferences has no per-server setting on Java 17, -Djdk.tls.namedGroups sets "
                    + "the JVM's)", file, first.config().notApplied());
        }
        return new WebConfigFile(file, first);
    }

    /** The configuration in force, after reloading it if a file changed. */
    public WebConfig config() {
        return fresh().config();
    }

    public boolean servesTls() {
        return current.config().hasTls();
    }

    /** Engines of the certificate in force, checked for a change on every new connection; null without TLS. */
    public ServerTls tls() {
        return servesTls() ? this::newEngine : null;
    }

    private SSLEngine newEngine() {
        InForce inForce = fresh();
        return inForce.tls() != null ? inForce.tls().newEngine() : current.tls().newEngine();
    }

    /**
     * In front of every route: {@code basic_auth_users} (when there are any: 401 without one of them, as the
     * toolkit and the Pushgateway do on every endpoint) and the configured response headers.
     */
    public RequestFilter filter() {
        return (request, response) -> {
            InForce inForce = fresh();
            inForce.config().headers().forEach(response::header);
            return inForce.users() == null || inForce.users().filter().admit(request, response);
        };
    }

    private InForce fresh() {
        InForce inForce = current;
        List<Object> now = stamps(file, inForce.config());
        if (now.equals(inForce.stamps()) || now.equals(failedStamps)) {
            return inForce;
        }
        synchronized (this) {
            if (current != inForce) {
                return current;
            }
            try {
                InForce loaded = load(file);
                if (loaded.config().hasTls() != inForce.config().hasTls()) {
                    throw new ConfigException("TLS cannot be turned " + (loaded.config().hasTls() ? "on" : "off") + " without a restart");
                }
                current = loaded;
                failedStamps = null;
                LAST_RELOAD_OK.set(1);
                log.info("web config file {} reloaded", file);
                return loaded;
            } catch (RuntimeException e) {
                failedStamps = now; // counted once per broken version, not once per connection
                RELOAD_FAILURES.inc();
                LAST_RELOAD_OK.set(0);
                log.error("web config file {} changed but cannot be used, keeping the last good one: {}", file, e.getMessage());
                return inForce;
            }
        }
    }

    private static InForce load(Path file) {
        WebConfig config = WebConfig.read(file);
        List<Object> before = stamps(file, config);
        PemTls.Built tls;
        try {
            tls = config.hasTls() ? PemTls.context(config.tls()) : null;
        } catch (ConfigException e) {
            throw new ConfigException("web config file " + file + ": " + e.getMessage());
        }
        Authenticator users = config.basicAuthUsers().isEmpty() ? null : Authenticator.ofUsers(config.basicAuthUsers(), "web");
        return new InForce(config, tls, users, before);
    }

    /** Modification time and size of the file and of every file it names: a change of any is a new version. */
    private static List<Object> stamps(Path file, WebConfig config) {
        List<Path> files = new ArrayList<>();
        files.add(file);
        if (config.hasTls()) {
            files.addAll(config.tls().files());
        }
        List<Object> out = new ArrayList<>();
        for (Path f : files) {
            try {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                out.add(List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey())));
            } catch (IOException e) {
                out.add("missing");
            }
        }
        return out;
    }
}
