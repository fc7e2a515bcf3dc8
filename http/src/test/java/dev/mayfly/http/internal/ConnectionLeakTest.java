package dev.mayfly.http.internal;

import com.sun.net.httpserver.HttpHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Buffer ownership on one connection, driven on an embedded channel (handlers run inline on the event loop). */
class ConnectionLeakTest {
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false, true);

    private EmbeddedChannel channel(String path, HttpHandler handler) {
        Contexts contexts = new Contexts(null);
        contexts.create(path, handler);
        EmbeddedChannel channel = new EmbeddedChannel(new Connection(contexts, () -> null));
        channel.config().setAllocator(alloc);
        return channel;
    }

    private static DefaultHttpRequest post(String path, int length) {
        DefaultHttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path);
        request.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
        return request;
    }

    private ByteBuf bytes(int n) {
        return alloc.heapBuffer(n).writeZero(n);
    }

    private long inUse(EmbeddedChannel channel) {
        Object out;
        while ((out = channel.readOutbound()) != null) {
            ReferenceCountUtil.release(out);
        }
        return alloc.metric().usedHeapMemory();
    }

    @Test
    void aBodyTheHandlerDidNotReadIsReleasedWhenTheResponseIsClosed() {
        // answered with only the response stream closed (as ServiceHost's /-/ready and the gateway's 401/413 do)
        EmbeddedChannel channel = channel("/ignore", exchange -> {
            exchange.sendResponseHeaders(200, 2);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("ok".getBytes());
            }
        });
        channel.writeInbound(post("/ignore", 100_000));
        for (int i = 0; i < 3; i++) {
            channel.writeInbound(new DefaultHttpContent(bytes(30_000))); // dispatched at 64 KiB
        }
        channel.writeInbound(new DefaultLastHttpContent(bytes(10_000)));
        channel.runPendingTasks();
        assertThat(inUse(channel)).isZero();
        channel.finishAndReleaseAll();
    }

    @Test
    void aBodyNoHandlerWasStartedForIsReleasedWhenTheClientGoesAway() {
        EmbeddedChannel channel = channel("/echo", exchange -> exchange.close());
        channel.writeInbound(post("/echo", 100_000));
        channel.writeInbound(new DefaultHttpContent(bytes(10_000)));
        channel.close();
        channel.runPendingTasks();
        assertThat(inUse(channel)).isZero();
    }

    @Test
    void aResponseBodyBufferedWhenTheHandlerThrowsIsReleased() {
        EmbeddedChannel channel = channel("/throws", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            exchange.getResponseBody().write(new byte[100]);
            throw new IllegalStateException("boom");
        });
        channel.writeInbound(post("/throws", 0));
        channel.writeInbound(new DefaultLastHttpContent());
        channel.runPendingTasks();
        assertThat(inUse(channel)).isZero();
        channel.finishAndReleaseAll();
    }
}
