package dev.mayfly.gateway;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.mayfly.http.RequestFilter;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Setting;
import dev.mayfly.schemas.config.Settings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks the {@code Authorization} header of a request against basic-auth users (bcrypt hashes) and bearer tokens,
 * each read once from a file. Either, both or neither may be configured; with neither every request is allowed.
 * A user or token may be limited to one job: it may push only that job (403 otherwise) and may not scrape.
 *
 * <p>Files (one entry a line; blank lines and lines starting with {@code #} are ignored):
 * <ul>
 *   <li>basic: {@code user:$2y$...bcrypt-hash} or {@code user:$2y$...:job} (as written by {@code htpasswd -nbB user pw}).</li>
 *   <li>token: {@code token} or {@code token job}; a token may be stored as {@code sha256:<hex>} of its UTF-8 bytes.</li>
 * </ul>
 *
 * <p>The gateway uses one for pushes ({@code push.auth.*}); the launcher can build another from the same settings
 * under another prefix ({@code scrape.auth.*}) and put {@link #filter()} in front of {@code /metrics}.
 * Thread-safe. A successful bcrypt check is cached (by user and a SHA-256 of the password) so repeated pushes do
 * not pay for bcrypt each time.
 */
public final class Authenticator {
    /** Who a request authenticated as; {@code onlyJob} is the one job it may push, or null for any. */
    public record Identity(String name, String onlyJob) {
        public boolean mayPush(String job) {
            return onlyJob == null || onlyJob.equals(job);
        }
    }

    private static final Identity ANYONE = new Identity("anonymous", null);
    private static final int CACHE_LIMIT = 10_000;

    private record User(String hash, String onlyJob) {
    }

    private final Map<String, User> users;
    private final Map<String, Identity> tokensBySha256;
    private final Map<String, Identity> verified = new ConcurrentHashMap<>();

    private Authenticator(Map<String, User> users, Map<String, Identity> tokensBySha256) {
        this.users = users;
        this.tokensBySha256 = tokensBySha256;
    }

    /** The settings of one authenticator: {@code <prefix>basic.file} and {@code <prefix>token.file}. */
    public static List<Setting<?>> settings(String prefix) {
        return List.of(basicFile(prefix), tokenFile(prefix));
    }

    private static Setting<String> basicFile(String prefix) {
        return Setting.string(prefix + "basic.file", "", "File of basic-auth users, 'user:bcrypt-hash[:job]' a line; empty: no basic auth");
    }

    private static Setting<String> tokenFile(String prefix) {
        return Setting.string(prefix + "token.file", "", "File of bearer tokens, 'token [job]' a line; empty: no bearer tokens");
    }

    /** The authenticator the settings under {@code prefix} describe (settings must include {@link #settings(String)}). */
    public static Authenticator from(Settings settings, String prefix) {
        String basic = settings.get(basicFile(prefix));
        String token = settings.get(tokenFile(prefix));
        return of(basic.isBlank() ? null : Path.of(basic), token.isBlank() ? null : Path.of(token));
    }

    /** Allows every request. */
    public static Authenticator none() {
        return new Authenticator(Map.of(), Map.of());
    }

    public static Authenticator of(Path basicFileOrNull, Path tokenFileOrNull) {
        Map<String, User> users = new HashMap<>();
        Map<String, Identity> tokens = new HashMap<>();
        if (basicFileOrNull != null) {
            int n = 0;
            for (String line : lines(basicFileOrNull)) {
                n++;
                String[] parts = line.split(":", 3);
                if (parts.length < 2 || parts[0].isEmpty() || !parts[1].startsWith("$2")) {
                    throw new ConfigException("basic auth file " + basicFileOrNull + " line " + n + ": expected user:bcrypt-hash[:job]");
                }
                users.put(parts[0], new User(parts[1], parts.length == 3 && !parts[2].isBlank() ? parts[2].trim() : null));
            }
        }
        if (tokenFileOrNull != null) {
            int n = 0;
            for (String line : lines(tokenFileOrNull)) {
                n++;
                String[] parts = line.trim().split("\\s+");
                if (parts.length > 2) {
                    throw new ConfigException("token file " + tokenFileOrNull + " line " + n + ": expected 'token [job]'");
                }
                String digest = parts[0].startsWith("sha256:") ? parts[0].substring(7).toLowerCase(java.util.Locale.ROOT) : sha256Hex(parts[0]);
                tokens.put(digest, new Identity("token#" + n, parts.length == 2 ? parts[1] : null));
            }
        }
        return new Authenticator(users, tokens);
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank() && !l.stripLeading().startsWith("#")).toList();
        } catch (IOException e) {
            throw new ConfigException("cannot read auth file " + file + ": " + e.getMessage());
        }
    }

    public boolean isEnabled() {
        return !users.isEmpty() || !tokensBySha256.isEmpty();
    }

    /** Who the header authenticates as; null when authentication is required and the header does not pass it. */
    public Identity authenticate(String authorizationHeader) {
        if (!isEnabled()) {
            return ANYONE;
        }
        if (authorizationHeader == null) {
            return null;
        }
        String h = authorizationHeader.trim();
        if (h.regionMatches(true, 0, "Bearer ", 0, 7) && !tokensBySha256.isEmpty()) {
            return tokensBySha256.get(sha256Hex(h.substring(7).trim()));
        }
        if (h.regionMatches(true, 0, "Basic ", 0, 6) && !users.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(h.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return null;
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                return null;
            }
            String user = decoded.substring(0, colon);
            String password = decoded.substring(colon + 1);
            User u = users.get(user);
            if (u == null) {
                return null;
            }
            String cacheKey = user + ":" + sha256Hex(password);
            Identity cached = verified.get(cacheKey);
            if (cached != null) {
                return cached;
            }
            if (!BCrypt.verifyer().verify(password.toCharArray(), u.hash().toCharArray()).verified) {
                return null;
            }
            if (verified.size() > CACHE_LIMIT) {
                verified.clear();
            }
            Identity identity = new Identity(user, u.onlyJob());
            verified.put(cacheKey, identity);
            return identity;
        }
        return null;
    }

    /** The {@code WWW-Authenticate} challenge of a 401. */
    public String challenge() {
        return users.isEmpty() ? "Bearer realm=\"mayfly\"" : "Basic realm=\"mayfly\"";
    }

    /**
     * A filter for read endpoints such as {@code /metrics}: 401 without valid credentials, 403 for credentials
     * limited to a job (those may only push).
     */
    public RequestFilter filter() {
        return (request, response) -> {
            Identity identity = authenticate(request.header("Authorization"));
            if (identity == null) {
                response.header("WWW-Authenticate", challenge());
                response.sendText(401, "unauthorized: missing or wrong credentials");
                return false;
            }
            if (identity.onlyJob() != null) {
                response.sendText(403, "forbidden: these credentials may only push job " + identity.onlyJob());
                return false;
            }
            return true;
        };
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
