package dev.mayfly.gateway.internal;

import dev.mayfly.http.HttpRequest;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * A request body read whole, within the size limit (the server refuses a longer body before the gateway sees it; a
 * compressed body is checked here on its decompressed bytes: 413 past the limit). {@code Content-Encoding: gzip} is undone; other encodings are 415.
 * Bodies up to 64 KiB are read into a buffer the request thread reuses: valid only until the thread's next request.
 */
public record RequestBody(byte[] bytes, int length) {
    private static final int REUSED_BUFFER = 64 * 1024;
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[REUSED_BUFFER]);

    public static RequestBody read(HttpRequest request, int maxBytes) throws IOException {
        String encoding = request.header("Content-Encoding");
        boolean gzip = false;
        if (encoding != null && !encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity")) {
            if (!encoding.trim().equalsIgnoreCase("gzip")) {
                throw new PushRejected(415, PushRejected.UNSUPPORTED_MEDIA_TYPE, "unsupported Content-Encoding '" + encoding + "'; use gzip or none");
            }
            gzip = true;
        }
        long declared = request.bodyLength();
        InputStream in = request.body();
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

    private static PushRejected notGzip(IOException e) {
        return PushRejected.malformed("body is not valid gzip" + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }

    private static PushRejected tooLarge(int maxBytes) {
        return new PushRejected(413, PushRejected.BODY_TOO_LARGE, "request body is larger than " + maxBytes + " bytes");
    }
}
