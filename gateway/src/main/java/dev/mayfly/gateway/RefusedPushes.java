package dev.mayfly.gateway;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The newest pushes the gateways of this process refused, with what the client was told: for the status page.
 * Process-wide, like the {@code mayfly_gateway_rejected_pushes_total} counter beside it; thread-safe.
 */
public final class RefusedPushes {
    /** How many are kept. */
    public static final int KEPT = 20;
    private static final int MAX_TEXT = 300;
    private static final ArrayDeque<RefusedPush> NEWEST = new ArrayDeque<>();

    /** One refused push: when, on which API and path, the reason label, the HTTP status and the message sent back. */
    public record RefusedPush(Instant time, String api, String path, String reason, int status, String message) {
    }

    private RefusedPushes() {
    }

    /** Records a refusal (texts are cut to a few hundred characters). */
    public static void add(String api, String path, String reason, int status, String message) {
        RefusedPush p = new RefusedPush(Instant.now(), api, cut(path), reason, status, cut(message));
        synchronized (NEWEST) {
            NEWEST.addLast(p);
            if (NEWEST.size() > KEPT) {
                NEWEST.removeFirst();
            }
        }
    }

    /** The refusals kept, newest first. */
    public static List<RefusedPush> newestFirst() {
        List<RefusedPush> out;
        synchronized (NEWEST) {
            out = new ArrayList<>(NEWEST);
        }
        Collections.reverse(out);
        return out;
    }

    private static String cut(String s) {
        return s == null ? "" : s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT) + "...";
    }
}
