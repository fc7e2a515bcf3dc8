package dev.mayfly.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;

/**
 * The answer to one {@link HttpRequest}. Set headers first, then start the response exactly once with
 * {@link #send} or {@link #stream}; both may be called from any thread. The server adds {@code Content-Length} or
 * chunking, and {@code Connection} as the request and the server's state require. A response to {@code HEAD} carries
 * the headers only. Not for concurrent use by several threads.
 */
public interface HttpResponse {
    /** Sets a response header (replacing earlier values of that name); ignored once the response started. */
    HttpResponse header(String name, String value);

    /** Sends the whole response in one write. {@code contentType} may be null (no body, or no type). */
    void send(int status, String contentType, byte[] body);

    /** Sends a response without a body. */
    default void send(int status) {
        send(status, null, new byte[0]);
    }

    /** Sends {@code text} and a new line as {@code text/plain; charset=utf-8}. */
    default void sendText(int status, String text) {
        send(status, "text/plain; charset=utf-8", (text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Starts a response of unknown length: the body is what is written to the returned stream, in chunks, and the
     * response ends when the stream is closed. A write waits while the client is not reading, at most the server's
     * write timeout: then the connection is closed and the write throws {@link IOException}.
     */
    OutputStream stream(int status, String contentType);

    /** True once {@link #send} or {@link #stream} was called. */
    boolean isStarted();

    /**
     * Runs tasks on the thread that writes this response (the connection's event loop), in order: for an answer
     * completed elsewhere (say by an acknowledgement), so its work runs there rather than on the completing thread.
     * Tasks must not wait.
     */
    Executor writer();

    /** Closes the connection without (or in the middle of) an answer: for a response that cannot be completed. */
    void abort();
}
