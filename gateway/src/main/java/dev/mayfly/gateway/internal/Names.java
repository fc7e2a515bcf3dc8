package dev.mayfly.gateway.internal;

/** Checks of metric and label names, without regular expressions (they run for every sample). */
final class Names {
    static final String RESERVED_PREFIX = "mayfly_";

    private Names() {
    }

    static boolean isMetricName(String s) {
        int n = s.length();
        if (n == 0) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean ok = c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static boolean isLabelName(String s) {
        int n = s.length();
        if (n == 0) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** OTLP names (dots, dashes, slashes) made into Prometheus names: every other character becomes '_'. */
    static String sanitize(String s, boolean metric) {
        if (s.isEmpty()) {
            return "_";
        }
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c == '_' || (metric && c == ':') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!ok && sb == null) {
                sb = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (sb != null) {
                sb.append(ok ? c : '_');
            }
        }
        String out = sb == null ? s : sb.toString();
        return Character.isDigit(out.charAt(0)) ? "_" + out : out;
    }
}
