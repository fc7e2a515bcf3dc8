package dev.mayfly.http.internal;

import dev.mayfly.http.Route;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * How a connection refuses a request: a plain-text answer that closes the connection, then a lingering close, so a
 * client that sends its whole request before reading still reads the answer instead of a reset. Runs on the
 * connection's event loop.
 */
final class Refusals {
    /** After a refusal, input is read and dropped until the client is quiet this long (or closes), at most {@link #LINGER_MAX_MILLIS}. */
    static final long LINGER_QUIET_MILLIS = 2_000;
    static final long LINGER_MAX_MILLIS = 30_000;

    private Refusals() {
    }

    /** The answer: {@code message} as text, {@code Connection: close}, and {@code Retry-After: 1} on a 503. */
    static FullHttpResponse response(HttpResponseStatus status, String message) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (status.code() == 503) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        return response;
    }

    /**
     * Once the answer is out: no more output; input is read (and dropped by the caller) until the client has sent
     * nothing for {@link #LINGER_QUIET_MILLIS} by {@code lastReadNanos}, or for at most {@link #LINGER_MAX_MILLIS};
     * then the connection is closed. A client that already closed its side is closed at once.
     */
    static void closeLingering(Channel channel, boolean inputShutdown, LongSupplier lastReadNanos) {
        if (!channel.isActive() || inputShutdown) {
            channel.close();
            return;
        }
        if (channel instanceof DuplexChannel duplex) {
            duplex.shutdownOutput();
        }
        channel.config().setAutoRead(true);
        long started = System.nanoTime();
        long quiet = TimeUnit.MILLISECONDS.toNanos(LINGER_QUIET_MILLIS);
        long longest = TimeUnit.MILLISECONDS.toNanos(LINGER_MAX_MILLIS);
        ScheduledFuture<?> watch = channel.eventLoop().scheduleAtFixedRate(() -> {
            long now = System.nanoTime();
            if (now - started > quiet && now - lastReadNanos.getAsLong() > quiet || now - started > longest) {
                channel.close();
            }
        }, 250, 250, TimeUnit.MILLISECONDS);
        channel.closeFuture().addListener(f -> watch.cancel(false));
    }

    /** Tells {@code route} (when it counts them) of a request the server refused itself with {@code status}. */
    static void count(Route route, int status) {
        if (route != null && route.refused() != null) {
            route.refused().accept(status);
        }
    }
}
