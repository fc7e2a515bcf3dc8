package dev.mayfly.system;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** What a test needs from the machine (a Debian package, npm): skipped without it, except in CI, where it fails. */
final class Requirements {
    private Requirements() {
    }

    static void require(boolean available, String what) {
        if (!available) {
            if (System.getenv("CI") != null) {
                Assertions.fail(what + " is missing, and CI is set");
            }
            Assumptions.abort(what + " is missing");
        }
    }
}
