package dev.mayfly.gateway.internal;

/**
 * A push that is refused as a whole: nothing of it is written. Carries the HTTP status to answer, a stable reason
 * (the {@code reason} label of {@code mayfly_gateway_rejected_pushes_total}) and a one-line message for the client.
 */
public final class PushRejected extends RuntimeException {
    public static final String MALFORMED = "malformed";
    public static final String TYPE_CONFLICT = "type_conflict";
    public static final String DUPLICATE_SERIES = "duplicate_series";
    public static final String SUMMARY = "summary";
    public static final String UNSUPPORTED_METRIC = "unsupported_metric";
    public static final String TIMESTAMP = "timestamp";
    public static final String RESERVED_NAME = "reserved_name";
    public static final String INVALID_GROUPING_KEY = "invalid_grouping_key";
    public static final String INVALID_HEADER = "invalid_header";
    public static final String BODY_TOO_LARGE = "body_too_large";
    public static final String TOO_MANY_SERIES = "too_many_series";
    public static final String UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type";
    public static final String METHOD_NOT_ALLOWED = "method_not_allowed";
    public static final String UNAUTHENTICATED = "unauthenticated";
    public static final String FORBIDDEN = "forbidden";
    public static final String TOO_MANY_FAILURES = "too_many_auth_failures";
    public static final String OVERLOADED = "overloaded";
    public static final String UNAVAILABLE = "unavailable";
    public static final String INTERNAL = "internal";
    public static final String REQUEST_TIMEOUT = "request_timeout";
    /** Not a refusal of what was sent: the client closed or reset its connection before its push arrived whole. */
    public static final String CLIENT_CLOSED = "client_closed";

    /** The reason of a push the HTTP server refused before the gateway saw it, by its status. */
    public static String refusedByServer(int status) {
        return switch (status) {
            case 413 -> BODY_TOO_LARGE;
            case 408 -> REQUEST_TIMEOUT;
            case 503 -> OVERLOADED;
            case 501, 417 -> INVALID_HEADER;
            case dev.mayfly.http.Route.CLIENT_CLOSED -> CLIENT_CLOSED;
            default -> MALFORMED;
        };
    }
    /** Every reason above, for counters that show each one from the start. */
    static final java.util.List<String> REASONS = java.util.List.of(MALFORMED, TYPE_CONFLICT, DUPLICATE_SERIES, SUMMARY, UNSUPPORTED_METRIC, TIMESTAMP, RESERVED_NAME, INVALID_GROUPING_KEY, INVALID_HEADER, BODY_TOO_LARGE, TOO_MANY_SERIES, UNSUPPORTED_MEDIA_TYPE, METHOD_NOT_ALLOWED, UNAUTHENTICATED, FORBIDDEN, TOO_MANY_FAILURES, OVERLOADED, UNAVAILABLE, INTERNAL, REQUEST_TIMEOUT, CLIENT_CLOSED);

    private final int status;
    private final String reason;

    /** Longest message sent back whole; a longer one (it quotes the client's input) keeps its head and tail. */
    static final int MAX_MESSAGE = 1000;

    public PushRejected(int status, String reason, String message) {
        super(bounded(oneLine(message)), null, false, false);
        this.status = status;
        this.reason = reason;
    }

    public static PushRejected badRequest(String reason, String message) {
        return new PushRejected(400, reason, message);
    }

    /** 400 for a rule of the shared validator: its reason, its detail (the metric and the rule). */
    public static PushRejected of(dev.mayfly.schemas.validation.Violation violation) {
        return badRequest(violation.reason(), violation.detail());
    }

    public static PushRejected malformed(String message) {
        return new PushRejected(400, MALFORMED, message);
    }

    /** At most about {@link #MAX_MESSAGE} characters: what is left out of the middle is counted in its place. */
    static String bounded(String message) {
        if (message == null || message.length() <= MAX_MESSAGE) {
            return message;
        }
        int head = MAX_MESSAGE * 3 / 4;
        int tail = MAX_MESSAGE / 4;
        return message.substring(0, head) + "[... " + (message.length() - head - tail) + " characters left out ...]"
                + message.substring(message.length() - tail);
    }

    /** {@code message} with its line breaks and other control characters escaped ({@code \n}, {@code \u0007}): one line. */
    public static String oneLine(String message) {
        if (message == null || message.chars().noneMatch(Character::isISOControl)) {
            return message;
        }
        StringBuilder b = new StringBuilder(message.length() + 16);
        message.chars().forEach(c -> {
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        b.append(String.format("\\u%04x", c));
                    } else {
                        b.append((char) c);
                    }
                }
            }
        });
        return b.toString();
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }
}
