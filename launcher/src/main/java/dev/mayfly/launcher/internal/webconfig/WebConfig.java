package dev.mayfly.launcher.internal.webconfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.ConfigFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One read of a web configuration file in the Prometheus exporter-toolkit format ({@code --web.config.file}): the
 * keys and validation of the toolkit's {@code web/tls_config.go}. Unknown keys are refused with their name. Relative
 * file names are relative to the file's directory, as in the toolkit. Immutable.
 *
 * @param tls             null when the file has no {@code tls_server_config} (plain HTTP)
 * @param headers         {@code http_server_config.headers}, added to every response
 * @param basicAuthUsers  {@code basic_auth_users}: user to bcrypt hash; empty: no basic auth
 * @param notApplied      keys the file sets that Mayfly accepts but cannot apply ({@code rate_limit},
 *                        {@code curve_preferences}), to warn about
 */
public record WebConfig(TlsServerConfig tls, Map<String, String> headers, Map<String, String> basicAuthUsers,
                        List<String> notApplied) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> TOP = Set.of("tls_server_config", "http_server_config", "basic_auth_users", "rate_limit");
    private static final Set<String> HTTP = Set.of("http2", "headers");
    private static final Set<String> RATE_LIMIT = Set.of("interval", "burst");
    /** The headers the toolkit lets a file set, and the values it accepts where it restricts them. */
    private static final Map<String, Set<String>> HEADERS = Map.of(
            "Content-Security-Policy", Set.of(), "X-Frame-Options", Set.of("deny", "sameorigin"),
            "X-Content-Type-Options", Set.of("nosniff"), "X-XSS-Protection", Set.of(), "Strict-Transport-Security", Set.of());

    /**
     * The TLS part, as written (files not read yet: {@link PemTls} reads them).
     *
     * @param clientAuthType one of {@link PemTls#CLIENT_AUTH_TYPES}
     */
    public record TlsServerConfig(String cert, String key, String certFile, String keyFile, String clientAuthType,
                                  String clientCa, String clientCaFile, List<String> clientAllowedSans,
                                  String minVersion, String maxVersion, List<String> cipherSuites,
                                  boolean preferServerCipherSuites, List<String> curvePreferences) {
        static final Set<String> KEYS = Set.of("cert", "key", "cert_file", "key_file", "client_auth_type", "client_ca",
                "client_ca_file", "client_allowed_sans", "min_version", "max_version", "cipher_suites",
                "prefer_server_cipher_suites", "curve_preferences");

        /** The files this configuration reads (a change to any of them is a change of the configuration). */
        public List<Path> files() {
            List<Path> out = new ArrayList<>();
            for (String f : new String[]{certFile, keyFile, clientCaFile}) {
                if (f != null) {
                    out.add(Path.of(f));
                }
            }
            return out;
        }
    }

    public boolean hasTls() {
        return tls != null;
    }

    /** Reads and validates {@code file} (not the files it names: {@link PemTls} reads those); errors name the key. */
    public static WebConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw ConfigFiles.unreadable("web config file", file, e);
        }
        return parse(text, file.toAbsolutePath().getParent(), "web config file " + file);
    }

    /** Parses {@code yaml}; relative file names are resolved against {@code dir}. */
    static WebConfig parse(String yaml, Path dir, String origin) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (IOException e) {
            throw ConfigFiles.invalidYaml(origin, e);
        }
        if (root == null || root.isNull() || root.isMissingNode()) {
            return new WebConfig(null, Map.of(), Map.of(), List.of());
        }
        Reader r = new Reader(origin);
        r.onlyKeys(root, "", TOP);
        TlsServerConfig tls = null;
        JsonNode t = root.get("tls_server_config");
        if (t != null && !t.isNull()) {
            tls = tls(r, t, dir);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode h = root.get("http_server_config");
        if (h != null && !h.isNull()) {
            r.onlyKeys(h, "http_server_config.", HTTP);
            r.bool(h, "http_server_config.", "http2", true);
            headers.putAll(r.stringMap(h.get("headers"), "http_server_config.headers"));
            headers.forEach((name, value) -> {
                Set<String> allowed = HEADERS.get(name);
                if (allowed == null) {
                    throw new ConfigException(origin + ": HTTP header '" + name + "' can not be configured (allowed: " + HEADERS.keySet() + ")");
                }
                if (!allowed.isEmpty() && !value.isEmpty() && !allowed.contains(value.toLowerCase(java.util.Locale.ROOT))) {
                    throw new ConfigException(origin + ": invalid value for " + name + ": '" + value + "' (allowed: " + allowed + ")");
                }
            });
            headers.values().removeIf(String::isEmpty); // "unset if blank"
        }
        JsonNode limit = root.get("rate_limit");
        if (limit != null && !limit.isNull()) {
            r.onlyKeys(limit, "rate_limit.", RATE_LIMIT);
        }
        Map<String, String> users = r.stringMap(root.get("basic_auth_users"), "basic_auth_users");
        users.forEach((user, hash) -> {
            if (!hash.startsWith("$2")) {
                throw new ConfigException(origin + ": basic_auth_users." + user + " is not a bcrypt hash ($2y$...)");
            }
        });
        List<String> notApplied = new ArrayList<>();
        if (limit != null && !limit.isNull()) {
            notApplied.add("rate_limit");
        }
        if (tls != null && !tls.curvePreferences().isEmpty()) {
            notApplied.add("tls_server_config.curve_preferences");
        }
        return new WebConfig(tls, Map.copyOf(headers), Map.copyOf(users), List.copyOf(notApplied));
    }

    private static TlsServerConfig tls(Reader r, JsonNode t, Path dir) {
        String p = "tls_server_config.";
        r.onlyKeys(t, p, TlsServerConfig.KEYS);
        TlsServerConfig c = new TlsServerConfig(r.string(t, "cert"), r.string(t, "key"),
                r.file(t, "cert_file", dir), r.file(t, "key_file", dir),
                r.stringOr(t, "client_auth_type", "NoClientCert"), r.string(t, "client_ca"), r.file(t, "client_ca_file", dir),
                r.list(t, p, "client_allowed_sans"), r.stringOr(t, "min_version", "TLS12"), r.stringOr(t, "max_version", "TLS13"),
                r.list(t, p, "cipher_suites"), r.bool(t, p, "prefer_server_cipher_suites", true), r.list(t, p, "curve_preferences"));
        if (c.certFile() == null && c.cert() == null) {
            throw new ConfigException(r.origin + ": tls_server_config: missing one of cert or cert_file");
        }
        if (c.keyFile() == null && c.key() == null) {
            throw new ConfigException(r.origin + ": tls_server_config: missing one of key or key_file");
        }
        if (c.certFile() != null && c.cert() != null || c.keyFile() != null && c.key() != null
                || c.clientCaFile() != null && c.clientCa() != null) {
            throw new ConfigException(r.origin + ": tls_server_config: give a certificate, key or client CA either inline or as a file, not both");
        }
        if (!PemTls.CLIENT_AUTH_TYPES.contains(c.clientAuthType())) {
            throw new ConfigException(r.origin + ": invalid client_auth_type '" + c.clientAuthType() + "' (one of " + PemTls.CLIENT_AUTH_TYPES + ")");
        }
        if ((c.clientCaFile() != null || c.clientCa() != null) && c.clientAuthType().equals("NoClientCert")) {
            throw new ConfigException(r.origin + ": client CA's have been configured without a Client Auth Policy (client_auth_type)");
        }
        return c;
    }

    /** Strict reading of one YAML tree: every error names the file and the key. */
    private record Reader(String origin) {
        void onlyKeys(JsonNode node, String path, Set<String> known) {
            if (!node.isObject()) {
                throw new ConfigException(origin + ": '" + (path.isEmpty() ? "the file" : path.substring(0, path.length() - 1)) + "' must be a mapping");
            }
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!known.contains(key)) {
                    throw new ConfigException(origin + ": unknown key '" + path + key + "'");
                }
            }
        }

        String string(JsonNode node, String key) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isValueNode()) {
                throw new ConfigException(origin + ": tls_server_config." + key + " must be a string");
            }
            return v.asText().isEmpty() ? null : v.asText();
        }

        String stringOr(JsonNode node, String key, String otherwise) {
            String s = string(node, key);
            return s == null ? otherwise : s;
        }

        String file(JsonNode node, String key, Path dir) {
            String s = string(node, key);
            return s == null ? null : dir.resolve(s).toString();
        }

        boolean bool(JsonNode node, String path, String key, boolean otherwise) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return otherwise;
            }
            if (!v.isBoolean()) {
                throw new ConfigException(origin + ": " + path + key + " must be true or false, got '" + v.asText() + "'");
            }
            return v.booleanValue();
        }

        List<String> list(JsonNode node, String path, String key) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return List.of();
            }
            if (!v.isArray()) {
                throw new ConfigException(origin + ": " + path + key + " must be a list");
            }
            List<String> out = new ArrayList<>();
            v.forEach(e -> out.add(e.asText()));
            return List.copyOf(out);
        }

        Map<String, String> stringMap(JsonNode v, String path) {
            Map<String, String> out = new LinkedHashMap<>();
            if (v == null || v.isNull()) {
                return out;
            }
            if (!v.isObject()) {
                throw new ConfigException(origin + ": " + path + " must be a mapping");
            }
            v.fields().forEachRemaining(e -> {
                if (!e.getValue().isValueNode()) {
                    throw new ConfigException(origin + ": " + path + "." + e.getKey() + " must be a string");
                }
                out.put(e.getKey(), e.getValue().asText());
            });
            return out;
        }
    }
}
