package dev.mayfly.launcher;

import dev.mayfly.launcher.internal.Tls;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import javax.net.ssl.SSLContext;
import java.nio.file.Path;
import java.util.Map;

/** Options every service command shares: where configuration comes from, and how the HTTP port is served. */
final class ConfigOptions {
    @Mixin
    ConfigFileOptions sources;

    @Option(names = "--bind", paramLabel = "HOST", defaultValue = "0.0.0.0", description = "Address the HTTP port listens on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--tls-keystore", paramLabel = "FILE", description = "PKCS#12 key store: serve HTTPS instead of HTTP.")
    Path tlsKeyStore;

    @Option(names = "--tls-keystore-password", paramLabel = "PASSWORD", defaultValue = "${env:MAYFLY_TLS_KEYSTORE_PASSWORD}",
            description = "Password of the key store (default: the MAYFLY_TLS_KEYSTORE_PASSWORD variable).")
    String tlsKeyStorePassword;

    /** The TLS context the flags ask for, or null for plain HTTP. */
    SSLContext tls() {
        return tlsKeyStore == null ? null : Tls.fromKeyStore(tlsKeyStore, tlsKeyStorePassword);
    }

    Map<String, String> load(Map<String, String> flags) {
        return sources.load(flags);
    }
}
