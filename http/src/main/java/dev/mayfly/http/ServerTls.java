package dev.mayfly.http;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Where the server's TLS comes from: asked once for every new connection, so an implementation may answer with a
 * newer certificate than the last connection got (a rotated file) without the server restarting.
 */
@FunctionalInterface
public interface ServerTls {
    /** A server-mode engine for one new connection. Must not block for long: it runs on an event loop. */
    SSLEngine newEngine();

    /** The same context for every connection (e.g. from a PKCS#12 key store). */
    static ServerTls of(SSLContext context) {
        return () -> {
            SSLEngine engine = context.createSSLEngine();
            engine.setUseClientMode(false);
            return engine;
        };
    }
}
