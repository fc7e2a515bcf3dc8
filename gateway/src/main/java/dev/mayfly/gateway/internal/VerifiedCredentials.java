package dev.mayfly.gateway.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Credentials bcrypt already accepted, so a client that pushes every second pays for bcrypt once, not every time.
 * An entry is keyed by a SHA-256 of the user, the password AND the configured hash together: only the exact password
 * that was verified against that exact hash can ever find it, so a wrong password never hits the cache and a changed
 * hash (a password change) misses it. The cache holds digests, never passwords. Bounded: the least recently used
 * entry goes first. Thread-safe.
 */
public final class VerifiedCredentials {
    private final Map<String, Boolean> verified;

    public VerifiedCredentials(int maxEntries) {
        this.verified = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /** The cache key of one user, password and configured hash. */
    public static String key(String user, String password, String configuredHash) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : new String[]{user, password, configuredHash}) {
                byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
                // length-prefixed, so ("ab", "c") and ("a", "bc") never share a key
                sha.update(new byte[]{(byte) (bytes.length >>> 24), (byte) (bytes.length >>> 16), (byte) (bytes.length >>> 8), (byte) bytes.length});
                sha.update(bytes);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public synchronized boolean contains(String key) {
        return verified.get(key) != null;
    }

    public synchronized void add(String key) {
        verified.put(key, Boolean.TRUE);
    }

    public synchronized int size() {
        return verified.size();
    }
}
