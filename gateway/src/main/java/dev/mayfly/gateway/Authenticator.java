package dev.mayfly.gateway;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.mayfly.gateway.internal.FailureLimiter;
import dev.mayfly.gateway.internal.GatewayMetrics;
import dev.mayfly.gateway.internal.PushRejected;
import dev.mayfly.gateway.internal.VerifiedCredentials;
import dev.mayfly.http.RequestFilter;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.ConfigFiles;
import dev.mayfly.schemas.config.Setting;
import dev.mayfly.schemas.config.Settings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

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
 * under another prefix ({@code scrape.auth.*}) and put {@link #filter()} in front of {@code /metrics}. Thread-safe.
 *
 * <p>Against guessing:
 * <ul>
 *   <li>An unknown user costs what a wrong password costs: its password is checked against a dummy hash of the
 *       highest cost in the file, so timing does not tell which users exist.</li>
 *   <li>Credentials bcrypt accepted are cached ({@link VerifiedCredentials}: keyed by user, password and hash, so only
 *       the right password can hit it), so a client that pushes often pays for bcrypt once.</li>
 *   <li>Each client address may present wrong credentials {@code failure.limit} times per {@code failure.window};
 *       past that it is refused with {@link TooManyFailures} (429, Retry-After) until the window ends, without any
 *       check being made, even for right credentials. Requests without credentials are not failures.</li>
 * </ul>
 * Failures are counted in {@code mayfly_gateway_auth_failures_total{scope,reason}}.
 */
public final class Authenticator {
    /** Who a request authenticated as; {@code onlyJob} is the one job it may push, or null for any. */
    public record Identity(String name, String onlyJob) {
        public boolean mayPush(String job) {
            return onlyJob == null || onlyJob.equals(job);
        }
    }

    /** A client refused because it presented wrong credentials too often; answer 429 with {@code Retry-After}. */
    public static final class TooManyFailures extends RuntimeException {
        private final long retryAfterSeconds;

        TooManyFailures(long retryAfterSeconds) {
            super("too many failed authentications from this address; retry in " + retryAfterSeconds + " s", null, false, false);
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    private static final Identity ANYONE = new Identity("anonymous", null);
    private static final int CACHE_LIMIT = 10_000;
    private static final int DEFAULT_FAILURE_LIMIT = 10;
    private static final Duration DEFAULT_FAILURE_WINDOW = Duration.ofMinutes(1);

    private record User(String hash, String onlyJob) {
    }

    private final Map<String, User> users;
    private final Map<String, Identity> tokensBySha256;
    private final String scope;
    private final BiPredicate<String, String> passwordMatches;
    private final String dummyHash;
    private final VerifiedCredentials verified = new VerifiedCredentials(CACHE_LIMIT);
    private final FailureLimiter failures;

    private Authenticator(Map<String, User> users, Map<String, Identity> tokensBySha256, String scope,
                          FailureLimiter failures, BiPredicate<String, String> passwordMatches) {
        this.users = users;
        this.tokensBySha256 = tokensBySha256;
        this.scope = scope;
        this.failures = failures;
        this.passwordMatches = passwordMatches;
        this.dummyHash = users.isEmpty() ? null : dummyHash(users.values());
    }

    /**
     * The settings of one authenticator: {@code <prefix>basic.file}, {@code <prefix>token.file},
     * {@code <prefix>failure.limit} and {@code <prefix>failure.window}.
     */
    public static List<Setting<?>> settings(String prefix) {
        return List.of(basicFile(prefix), tokenFile(prefix), failureLimit(prefix), failureWindow(prefix));
    }

    private static Setting<Integer> failureLimit(String prefix) {
        return Setting.integer(prefix + "failure.limit", DEFAULT_FAILURE_LIMIT,
                "Wrong credentials one client address may present per " + prefix + "failure.window; then 429 until the window ends (0: no limit)");
    }

    private static Setting<Duration> failureWindow(String prefix) {
        return Setting.duration(prefix + "failure.window", DEFAULT_FAILURE_WINDOW,
                "Window in which " + prefix + "failure.limit wrong credentials are counted per client address");
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
        int limit = settings.get(failureLimit(prefix));
        Duration window = settings.get(failureWindow(prefix));
        if (limit < 0 || window.isZero()) {
            throw new ConfigException("config keys '" + prefix + "failure.limit' and '" + prefix
                    + "failure.window' must be >= 0 and positive, got " + limit + " and " + window);
        }
        return of(basic.isBlank() ? null : Path.of(basic), token.isBlank() ? null : Path.of(token),
                prefix.substring(0, prefix.indexOf('.')), new FailureLimiter(limit, window.toMillis(), System::currentTimeMillis),
                Authenticator::bcryptMatches);
    }

    /** Allows every request. */
    public static Authenticator none() {
        return new Authenticator(Map.of(), Map.of(), "push", new FailureLimiter(0, 1, () -> 0), Authenticator::bcryptMatches);
    }

    /** Push authentication from the two files, with the default failure limit. */
    public static Authenticator of(Path basicFileOrNull, Path tokenFileOrNull) {
        return of(basicFileOrNull, tokenFileOrNull, "push",
                new FailureLimiter(DEFAULT_FAILURE_LIMIT, DEFAULT_FAILURE_WINDOW.toMillis(), System::currentTimeMillis),
                Authenticator::bcryptMatches);
    }

    /**
     * Basic auth for the users of a web config file's {@code basic_auth_users} (user to bcrypt hash, any job), failures
     * counted under {@code scope}, with the default failure limit.
     */
    public static Authenticator ofUsers(Map<String, String> bcryptHashByUser, String scope) {
        Map<String, User> users = new HashMap<>();
        bcryptHashByUser.forEach((user, hash) -> users.put(user, new User(hash, null)));
        return new Authenticator(users, Map.of(), scope,
                new FailureLimiter(DEFAULT_FAILURE_LIMIT, DEFAULT_FAILURE_WINDOW.toMillis(), System::currentTimeMillis),
                Authenticator::bcryptMatches);
    }

    /** For tests: {@code passwordMatches(password, bcryptHash)} is the one place a password is checked. */
    static Authenticator of(Path basicFileOrNull, Path tokenFileOrNull, String scope, FailureLimiter failures,
                            BiPredicate<String, String> passwordMatches) {
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
        return new Authenticator(users, tokens, scope, failures, passwordMatches);
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank() && !l.stripLeading().startsWith("#")).toList();
        } catch (IOException e) {
            throw ConfigFiles.unreadable("auth file", file, e);
        }
    }

    public boolean isEnabled() {
        return !users.isEmpty() || !tokensBySha256.isEmpty();
    }

    /**
     * Who the header authenticates as; null when authentication is required and the header does not pass it.
     *
     * @param clientAddress the address the request came from (e.g. {@code 203.0.113.7}), the unit failures are
     *                      counted by
     * @throws TooManyFailures when {@code clientAddress} presented wrong credentials too often lately
     */
    public Identity authenticate(String authorizationHeader, String clientAddress) {
        if (!isEnabled()) {
            return ANYONE;
        }
        if (authorizationHeader == null) {
            return null;
        }
        long refusedFor = failures.refusedForSeconds(clientAddress);
        if (refusedFor > 0) {
            GatewayMetrics.AUTH_FAILURES.labelValues(scope, "throttled").inc();
            throw new TooManyFailures(refusedFor);
        }
        Identity identity = check(authorizationHeader.trim());
        if (identity == null) {
            failures.failed(clientAddress);
            GatewayMetrics.AUTH_FAILURES.labelValues(scope, "wrong_credentials").inc();
        }
        return identity;
    }

    /**
     * Whether authenticating {@code authorizationHeader} needs no bcrypt hashing: authentication off, no header, a
     * bearer token (one SHA-256), basic credentials bcrypt already accepted (cached), or a header no rule reads or that
     * does not decode. For callers that must not wait: a wrong password, a password not yet verified and an unknown
     * user each cost a hash.
     */
    public boolean decidesWithoutHashing(String authorizationHeader) {
        if (!isEnabled() || authorizationHeader == null) {
            return true;
        }
        String h = authorizationHeader.trim();
        if (!isBasic(h)) {
            return true;
        }
        Basic basic = Basic.parse(h);
        if (basic == null) {
            return true; // refused without a hash
        }
        User u = users.get(basic.user);
        return u != null && verified.contains(VerifiedCredentials.key(basic.user, basic.password, u.hash()));
    }

    private boolean isBasic(String h) {
        return h.regionMatches(true, 0, "Basic ", 0, 6) && !users.isEmpty();
    }

    private Identity check(String h) {
        if (h.regionMatches(true, 0, "Bearer ", 0, 7) && !tokensBySha256.isEmpty()) {
            return tokensBySha256.get(sha256Hex(h.substring(7).trim()));
        }
        if (isBasic(h)) {
            Basic basic = Basic.parse(h);
            if (basic == null) {
                return null;
            }
            User u = users.get(basic.user);
            if (u == null) {
                passwordMatches.test(basic.password, dummyHash); // as slow as a wrong password: no timing tells which users exist
                return null;
            }
            String cacheKey = VerifiedCredentials.key(basic.user, basic.password, u.hash());
            if (!verified.contains(cacheKey)) {
                if (!passwordMatches.test(basic.password, u.hash())) {
                    return null;
                }
                verified.add(cacheKey);
            }
            return new Identity(basic.user, u.onlyJob());
        }
        return null;
    }

    /** The user and password of a {@code Basic} header; null when it does not decode to {@code user:password}. */
    private record Basic(String user, String password) {
        static Basic parse(String header) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return null;
            }
            int colon = decoded.indexOf(':');
            return colon < 0 ? null : new Basic(decoded.substring(0, colon), decoded.substring(colon + 1));
        }
    }

    private static boolean bcryptMatches(String password, String hash) {
        try {
            return BCrypt.verifyer().verify(password.toCharArray(), hash.toCharArray()).verified;
        } catch (IllegalArgumentException e) { // e.g. a password longer than bcrypt takes: never a match
            return false;
        }
    }

    /** A hash no password matches (its password is random and forgotten), of the highest cost among the users'. */
    private static String dummyHash(java.util.Collection<User> users) {
        int cost = 4;
        for (User u : users) {
            cost = Math.max(cost, costOf(u.hash()));
        }
        char[] secret = new char[32];
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < secret.length; i++) {
            secret[i] = (char) ('!' + random.nextInt(94));
        }
        return BCrypt.withDefaults().hashToString(cost, secret);
    }

    /** The cost of a modular-crypt bcrypt hash ({@code $2y$10$...}); 10 when it cannot be read. */
    static int costOf(String hash) {
        String[] parts = hash.split("\\$");
        try {
            return parts.length > 2 ? Math.min(31, Math.max(4, Integer.parseInt(parts[2]))) : 10;
        } catch (NumberFormatException e) {
            return 10;
        }
    }

    /** The {@code WWW-Authenticate} challenge of a 401: each scheme configured (basic users, bearer tokens). */
    public String challenge() {
        if (users.isEmpty()) {
            return "Bearer realm=\"mayfly\"";
        }
        return tokensBySha256.isEmpty() ? "Basic realm=\"mayfly\"" : "Basic realm=\"mayfly\", Bearer realm=\"mayfly\"";
    }

    /**
     * A filter for read endpoints such as {@code /metrics}: 401 without valid credentials, 403 for credentials
     * limited to a job (those may only push).
     */
    public RequestFilter filter() {
        return (request, response) -> {
            Identity identity;
            try {
                identity = authenticate(request.header("Authorization"), request.clientAddress());
            } catch (TooManyFailures e) {
                response.header("Retry-After", String.valueOf(e.retryAfterSeconds()));
                response.sendText(429, "too many requests: " + e.getMessage());
                return false;
            }
            if (identity == null) {
                response.header("WWW-Authenticate", challenge());
                response.sendText(401, "unauthorized: missing or wrong credentials");
                return false;
            }
            if (identity.onlyJob() != null) {
                response.sendText(403, PushRejected.oneLine("forbidden: these credentials may only push (job " + identity.onlyJob()
                        + "), not read " + request.path()));
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
