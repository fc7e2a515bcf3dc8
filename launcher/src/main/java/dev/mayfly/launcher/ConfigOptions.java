package dev.mayfly.launcher;

import dev.mayfly.http.RequestFilter;
import dev.mayfly.http.ServerTls;
import dev.mayfly.launcher.internal.HttpSettings;
import dev.mayfly.launcher.internal.Tls;
import dev.mayfly.launcher.internal.webconfig.WebConfigFile;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.ConfigFiles;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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

    @Option(names = "--web.config.file", paramLabel = "FILE",
            description = "Web configuration file in the Prometheus exporter-toolkit format: TLS from PEM files, client "
                    + "certificates, basic_auth_users, response headers; re-read when it or a file it names changes "
                    + "(or config key web.config.file; see docs/web-config.md).")
    Path webConfigFile;

    private WebConfigFile webConfig;

    /** The web config file in force, or null without {@code --web.config.file}; read (and validated) once. */
    WebConfigFile webConfig() {
        if (webConfigFile != null && webConfig == null) {
            if (tlsKeyStore != null) {
                throw new ConfigException("--tls-keystore and --web.config.file both configure TLS: give one "
                        + "(PEM files in the web config file's tls_server_config, or a PKCS#12 key store)");
            }
            webConfig = WebConfigFile.open(webConfigFile);
        }
        return webConfig;
    }

    /** Whether the HTTP port serves HTTPS. */
    boolean servesTls() {
        return tlsKeyStore != null || webConfig() != null && webConfig().servesTls();
    }

    /** Where the HTTP port's TLS comes from, or null for plain HTTP. */
    ServerTls tls() {
        if (webConfig() != null) {
            return webConfig().tls();
        }
        if (tlsKeyStore == null) {
            return null;
        }
        String password = tlsKeyStorePassword;
        if (tlsKeyStorePasswordFile != null) {
            try {
                List<String> lines = Files.readAllLines(tlsKeyStorePasswordFile);
                password = lines.isEmpty() ? "" : lines.get(0);
            } catch (IOException e) {
                throw ConfigFiles.unreadable("the key store password file", tlsKeyStorePasswordFile, e);
            }
        }
        return ServerTls.of(Tls.fromKeyStore(tlsKeyStore, password));
    }

    /**
     * What every route of the port goes through first (basic_auth_users, headers), or null. Refuses
     * basic_auth_users beside bearer tokens ({@code push.auth.token.file}, {@code scrape.auth.token.file} in
     * {@code raw}): one Authorization header cannot carry both a user and a token.
     */
    RequestFilter everyRoute(Map<String, String> raw) {
        if (webConfig() == null) {
            return null;
        }
        if (!webConfig().config().basicAuthUsers().isEmpty()) {
            for (String tokens : List.of("push.auth.token.file", "scrape.auth.token.file")) {
                if (!raw.getOrDefault(tokens, "").isBlank()) {
                    throw new ConfigException("basic_auth_users in " + webConfigFile + " guard every endpoint, so the bearer tokens of '"
                            + tokens + "' could never pass them (one Authorization header): use one or the other");
                }
            }
        }
        return webConfig().filter();
    }

    /** The raw configuration; the flag {@code --web.config.file} is its key {@code web.config.file}, and wins. */
    Map<String, String> load(Map<String, String> flags) {
        Map<String, String> withFlags = new java.util.LinkedHashMap<>(flags);
        if (webConfigFile != null) {
            withFlags.put(HttpSettings.WEB_CONFIG_FILE.name(), webConfigFile.toString());
        }
        Map<String, String> raw = sources.load(withFlags);
        String file = raw.getOrDefault(HttpSettings.WEB_CONFIG_FILE.name(), "");
        webConfigFile = file.isBlank() ? null : Path.of(file);
        return raw;
    }
}
