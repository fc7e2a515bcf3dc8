package dev.mayfly.gateway.internal;

import com.sun.net.httpserver.HttpExchange;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * A request body read whole, within the size limit (413 past it, checked on the declared length before reading and
 * on the decompressed bytes while reading). {@code Content-Encoding: gzip} is undone; other encodings are 415.
 * Bodies up to 64 KiB are read into a buffer the request thread reuses: valid only until the thread's next request.
 */
public record RequestBody(byte[] bytes, int length) {
    private static final int REUSED_BUFFER = 64 * 1024;
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[REUSED_BUFFER]);

    public static RequestBody read(HttpExchange exchange, int maxBytes) throws IOException {
        String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
        boolean gzip = false;
        if (encoding != null && !encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity")) {
            if (!encoding.trim().equalsIgnoreCase("gzip")) {
                throw new PushRejected(415, PushRejected.UNSUPPORTED_MEDIA_TYPE, "unsupported Content-Encoding '" + encoding + "'; use gzip or none");
            }
            gzip = true;
        }
        long declared = declaredLength(exchange);
        if (declared > maxBytes && !gzip) {
            throw tooLarge(maxBytes);
        }
        InputStream in = exchange.getRequestBody();
        if (gzip) {
            try {
                in = new GZIPInputStream(in, 8192); // reads the gzip header: a body that is not gzip fails here
            } catch (ZipException | EOFException e) {
                throw notGzip(e);
            }
        }
        byte[] buf = BUFFER.get();
        if (declared > buf.length && !gzip) {
            buf = new byte[(int) declared];
        }
        int n = 0;
        while (true) {
            if (n == buf.length) {
                if (n > maxBytes) {
                    throw tooLarge(maxBytes);
                }
                buf = Arrays.copyOf(buf, (int) Math.min((long) maxBytes + 1, (long) n * 2));
            }
            int r;
            try {
                r = in.read(buf, n, buf.length - n);
            } catch (ZipException e) {
                throw notGzip(e);
            } catch (EOFException e) {
                if (!gzip) {
                    throw e;
                }
                throw notGzip(e); // a gzip stream cut short
            }
            if (r < 0) {
                break;
            }
            n += r;
            if (n > maxBytes) {
                throw tooLarge(maxBytes);
            }
        }
        return new RequestBody(buf, n);
    }

    static long declaredLength(HttpExchange exchange) {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length == null) {
            return -1;
        }
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static PushRejected notGzip(IOException e) {
        return PushRejected.malformed("body is not valid gzip" + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }

    private static PushRejected tooLarge(int maxBytes) {
        return new PushRejected(413, PushRejected.BODY_TOO_LARGE, "request body is larger than " + maxBytes + " bytes");
    }
}
