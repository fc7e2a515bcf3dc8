package dev.mayfly.http.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;

import java.util.List;

/** What the server refuses in a request head its route is known for, before any of the body is read. Stateless. */
final class HeadChecks {
    /** A refusal: the status and the message. */
    record Refusal(HttpResponseStatus status, String message) {
    }

    private HeadChecks() {
    }

    /** The refusal of {@code head}, whose body may have at most {@code limit} bytes, or null. */
    static Refusal refusal(HttpRequest head, int limit) {
        String expect = head.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null && !expect.trim().equalsIgnoreCase("100-continue")) {
            return new Refusal(HttpResponseStatus.EXPECTATION_FAILED, "unsupported Expect: " + expect);
        }
        List<String> codings = head.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!codings.isEmpty() && !(codings.size() == 1 && codings.get(0).trim().equalsIgnoreCase("chunked"))) {
            // RFC 9112, 6.1: a transfer coding the server does not understand is answered 501
            return new Refusal(HttpResponseStatus.NOT_IMPLEMENTED, "unsupported Transfer-Encoding: " + String.join(", ", codings)
                    + " (only chunked; a compressed body says so in Content-Encoding)");
        }
        long declared;
        try {
            declared = HttpUtil.getContentLength(head, -1L);
        } catch (NumberFormatException e) {
            return new Refusal(HttpResponseStatus.BAD_REQUEST, "bad request: invalid Content-Length");
        }
        if (declared > limit) {
            return new Refusal(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, tooLarge(limit));
        }
        return null;
    }

    static String tooLarge(int limit) {
        return "request body is larger than " + limit + " bytes";
    }
}
