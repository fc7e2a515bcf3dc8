package dev.mayfly.gateway;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.mayfly.gateway.internal.FailureLimiter;
import dev.mayfly.gateway.internal.GatewayMetrics;
import dev.mayfly.gateway.internal.VerifiedCredentials;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Settings;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Basic auth against guessing. bcrypt runs for real; the seam only records each check (which hash it was made
 * against), so "costs a bcrypt" is counted, never timed.
 */
class AuthenticatorTest {
    private static final String CLIENT = "203.0.113.7";

    @TempDir
    Path dir;

    private final List<String> checkedHashes = new ArrayList<>();
    private final AtomicLong now = new AtomicLong(1_000_000);
    private Path users;
    private String fnHash;

    @BeforeEach
    void users() throws Exception {
        fnHash = BCrypt.withDefaults().hashToString(5, "s3cret".toCharArray());
        users = dir.resolve("users");
        Files.writeString(users, "fn:" + fnHash + "\nops:" + BCrypt.withDefaults().hashToString(4, "other".toCharArray()) + ":ops\n");
    }

    private Authenticator authenticator(int limit) {
        return Authenticator.of(users, null, "push", new FailureLimiter(limit, 60_000, now::get), (password, hash) -> {
            checkedHashes.add(hash);
            return BCrypt.verifyer().verify(password.toCharArray(), hash.toCharArray()).verified;
        });
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void onlyCredentialsBcryptAlreadyAcceptedAreDecidedWithoutHashing() {
        Authenticator auth = authenticator(0);
        assertThat(auth.decidesWithoutHashing(null)).as("no header: refused at once").isTrue();
        assertThat(auth.decidesWithoutHashing("Digest x")).as("a scheme no rule reads").isTrue();
        assertThat(auth.decidesWithoutHashing("Basic !!!")).as("does not decode: refused without a hash").isTrue();
        assertThat(auth.decidesWithoutHashing(basic("fn", "s3cret"))).as("not yet verified").isFalse();
        assertThat(auth.decidesWithoutHashing(basic("nobody", "s3cret"))).as("an unknown user costs a dummy hash").isFalse();
        assertThat(auth.authenticate(basic("fn", "s3cret"), CLIENT)).isNotNull();
        int hashes = checkedHashes.size();
        assertThat(auth.decidesWithoutHashing(basic("fn", "s3cret"))).as("verified and cached").isTrue();
        assertThat(auth.decidesWithoutHashing(basic("fn", "wrong"))).as("a wrong password still costs a hash").isFalse();
        assertThat(auth.authenticate(basic("fn", "s3cret"), CLIENT)).isNotNull();
        assertThat(checkedHashes).as("what it called cheap hashed nothing").hasSize(hashes);
        assertThat(Authenticator.of(null, null, "push", new FailureLimiter(0, 1, () -> 0), (p, h) -> true)
                .decidesWithoutHashing(basic("fn", "s3cret"))).as("authentication off").isTrue();
    }

    @Test
    void aChallengeOffersEverySchemeConfigured() throws Exception {
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "t0k3n\n");
        FailureLimiter limiter = new FailureLimiter(0, 1, () -> 0);
        assertThat(Authenticator.of(users, null, "push", limiter, (p, h) -> true).challenge()).isEqualTo("Basic realm=\"mayfly\"");
        assertThat(Authenticator.of(null, tokens, "push", limiter, (p, h) -> true).challenge()).isEqualTo("Bearer realm=\"mayfly\"");
        assertThat(Authenticator.of(users, tokens, "push", limiter, (p, h) -> true).challenge())
                .isEqualTo("Basic realm=\"mayfly\", Bearer realm=\"mayfly\"");
    }

    @Test
    void anUnknownUserCostsABcryptOfTheHighestCostLikeAWrongPassword() {
        Authenticator auth = authenticator(0);
        assertThat(auth.authenticate(basic("nobody", "s3cret"), CLIENT)).isNull();
        assertThat(checkedHashes).as("one bcrypt check for an unknown user").hasSize(1);
        assertThat(checkedHashes.get(0)).isNotIn(fnHash);
        assertThat(Authenticator.costOf(checkedHashes.get(0))).as("the dummy hash costs what the costliest user's does").isEqualTo(5);

        assertThat(auth.authenticate(basic("fn", "wrong"), CLIENT)).isNull();
        assertThat(checkedHashes).as("one bcrypt check for a wrong password").hasSize(2);
        assertThat(checkedHashes.get(1)).isEqualTo(fnHash);
    }

    @Test
    void theCacheSavesBcryptForTheRightPasswordAndNeverAcceptsAWrongOne() {
        Authenticator auth = authenticator(0);
        assertThat(auth.authenticate(basic("fn", "s3cret"), CLIENT)).isEqualTo(new Authenticator.Identity("fn", null));
        assertThat(auth.authenticate(basic("fn", "s3cret"), CLIENT)).isEqualTo(new Authenticator.Identity("fn", null));
        assertThat(checkedHashes).as("verified once, then served from the cache").hasSize(1);

        for (String wrong : List.of("s3cret ", "S3cret", "s3cre", "", "s3cret\u0000", "s3cretx")) {
            assertThat(auth.authenticate(basic("fn", wrong), CLIENT)).as("password '%s'", wrong).isNull();
        }
        assertThat(checkedHashes).as("every wrong password was checked by bcrypt, none hit the cache").hasSize(7);
        assertThat(auth.authenticate(basic("ops", "s3cret"), CLIENT)).as("another user with the cached password").isNull();
        assertThat(auth.authenticate(basic("ops", "other"), CLIENT)).isEqualTo(new Authenticator.Identity("ops", "ops"));
    }

    @Test
    void theCacheKeyChangesWithTheHashSoAPasswordChangeMissesIt() {
        String key = VerifiedCredentials.key("fn", "s3cret", fnHash);
        assertThat(VerifiedCredentials.key("fn", "s3cret", fnHash)).isEqualTo(key);
        assertThat(VerifiedCredentials.key("fn", "s3cret", BCrypt.withDefaults().hashToString(4, "new".toCharArray()))).isNotEqualTo(key);
        assertThat(VerifiedCredentials.key("fn", "s3cretx", fnHash)).isNotEqualTo(key);
        assertThat(VerifiedCredentials.key("fn:s", "3cret", fnHash)).as("parts cannot shift into each other").isNotEqualTo(key);
        VerifiedCredentials cache = new VerifiedCredentials(2);
        cache.add("a");
        cache.add("b");
        cache.contains("a");
        cache.add("c");
        assertThat(cache.size()).as("bounded").isEqualTo(2);
        assertThat(cache.contains("b")).as("the least recently used goes first").isFalse();
        assertThat(cache.contains("a")).isTrue();
    }

    @Test
    void theFailureLimitTripsPerClientRefusesUncheckedAndResetsAfterTheWindow() {
        Authenticator auth = authenticator(3);
        double wrongBefore = GatewayMetrics.AUTH_FAILURES.labelValues("push", "wrong_credentials").get();
        double throttledBefore = GatewayMetrics.AUTH_FAILURES.labelValues("push", "throttled").get();
        assertThat(auth.authenticate(null, CLIENT)).as("no credentials: not a failure").isNull();
        for (int i = 0; i < 3; i++) {
            assertThat(auth.authenticate(basic("fn", "guess" + i), CLIENT)).isNull();
        }
        int checks = checkedHashes.size();
        now.addAndGet(20_000);
        assertThatThrownBy(() -> auth.authenticate(basic("fn", "s3cret"), CLIENT))
                .as("refused even with the right password").isInstanceOfSatisfying(Authenticator.TooManyFailures.class,
                        e -> assertThat(e.retryAfterSeconds()).isEqualTo(40));
        assertThat(checkedHashes).as("nothing checked while refused").hasSize(checks);
        assertThat(auth.authenticate(basic("fn", "s3cret"), "198.51.100.1")).as("another client").isNotNull();
        assertThat(GatewayMetrics.AUTH_FAILURES.labelValues("push", "wrong_credentials").get()).isEqualTo(wrongBefore + 3);
        assertThat(GatewayMetrics.AUTH_FAILURES.labelValues("push", "throttled").get()).isEqualTo(throttledBefore + 1);

        now.addAndGet(40_000);
        assertThat(auth.authenticate(basic("fn", "s3cret"), CLIENT)).as("the window ended").isNotNull();
        assertThat(auth.authenticate(basic("fn", "guess"), CLIENT)).isNull();
        assertThat(auth.authenticate(basic("fn", "s3cret"), CLIENT)).as("one failure in the new window").isNotNull();
    }

    @Test
    void aPasswordTooLongForBcryptIsAWrongPasswordNotAnError() {
        Authenticator auth = Authenticator.of(users, null);
        assertThat(auth.authenticate(basic("fn", "x".repeat(100)), CLIENT)).isNull();
        assertThat(auth.authenticate(basic("nobody", "x".repeat(100)), CLIENT)).isNull();
        assertThat(auth.authenticate(basic("fn", "s3cret"), CLIENT)).isNotNull();
    }

    @Test
    void ipv6ClientsAreCountedByTheirSlash64() {
        FailureLimiter limiter = new FailureLimiter(2, 60_000, now::get);
        limiter.failed("2001:db8:1:2::1");
        limiter.failed("2001:db8:1:2:ffff::9");
        assertThat(limiter.refusedForSeconds("2001:db8:1:2::abcd")).isEqualTo(60);
        assertThat(limiter.refusedForSeconds("2001:db8:1:3::1")).isZero();
        assertThat(limiter.refusedForSeconds("192.0.2.1")).isZero();
    }

    @Test
    void theLimitAndWindowAreSettingsAndAreValidated() {
        var settings = Authenticator.settings("push.auth.");
        assertThat(settings).extracting(s -> s.name())
                .containsExactly("push.auth.basic.file", "push.auth.token.file", "push.auth.failure.limit", "push.auth.failure.window");
        assertThatThrownBy(() -> Authenticator.from(Settings.parse(Map.of("push.auth.failure.limit", "-1"), settings), "push.auth."))
                .isInstanceOf(ConfigException.class).hasMessageContaining("push.auth.failure.limit");
        Authenticator fromSettings = Authenticator.from(Settings.parse(Map.of("push.auth.basic.file", users.toString(),
                "push.auth.failure.limit", "1", "push.auth.failure.window", "10m"), settings), "push.auth.");
        assertThat(fromSettings.authenticate(basic("fn", "nope"), CLIENT)).isNull();
        assertThatThrownBy(() -> fromSettings.authenticate(basic("fn", "s3cret"), CLIENT))
                .isInstanceOfSatisfying(Authenticator.TooManyFailures.class, e -> assertThat(e.retryAfterSeconds()).isBetween(590L, 600L));
    }
}
