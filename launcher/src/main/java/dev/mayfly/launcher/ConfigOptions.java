package dev.mayfly.launcher;

import dev.mayfly.launcher.internal.Tls;
import dev.mayfly.schemas.config.ConfigException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    @Option(names = "--tls-keystore-password-file", paramLabel = "FILE",
            description = "File whose first line is the key store's password (instead of the variable).")
    Path tlsKeyStorePasswordFile;

    /** The TLS context the flags ask for, or null for plain HTTP. */
    SSLContext tls() {
        if (tlsKeyStore == null) {
            return null;
        }
        String password = tlsKeyStorePassword;
        if (tlsKeyStorePasswordFile != null) {
            try {
                List<String> lines = Files.readAllLines(tlsKeyStorePasswordFile);
                password = lines.isEmpty() ? "" : lines.get(0);
            } catch (IOException e) {
                throw new ConfigException("cannot read the key store password file " + tlsKeyStorePasswordFile + ": " + e.getMessage());
            }
        }
        return Tls.fromKeyStore(tlsKeyStore, password);
    }

    Map<String, String> load(Map<String, String> flags) {
        return sources.load(flags);
    }
}
