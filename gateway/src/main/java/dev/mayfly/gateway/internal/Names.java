package dev.mayfly.gateway.internal;

/** OTLP name conversion; the naming rules themselves are {@link dev.mayfly.schemas.MetricNames}. */
final class Names {

    private Names() {
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
