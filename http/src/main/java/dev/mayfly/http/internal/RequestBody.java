package dev.mayfly.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;

/**
 * A request body as it arrives: the event loop {@linkplain #offer offers} chunks, the handler's thread reads them.
 * Reading pauses the connection while more than {@link #PAUSE_AT} bytes are unread and resumes it below a quarter of
 * that. After {@link #close()} arriving chunks are dropped. Thread-safe.
 */
final class RequestBody extends InputStream {
    static final int PAUSE_AT = 256 * 1024;

    private final Channel channel;
    private final Runnable resume;
    private final ArrayDeque<ByteBuf> chunks = new ArrayDeque<>();
    private int unread;
    private boolean complete;
    private boolean closed;
    private boolean paused;
    private IOException failure;

    /** {@code resume} runs on the event loop when the reader drained a paused body (it decides whether to read again). */
    RequestBody(Channel channel, Runnable resume) {
        this.channel = channel;
        this.resume = resume;
    }

    /** On the event loop: takes ownership of {@code chunk}; true when the connection should stop reading for now. */
    synchronized boolean offer(ByteBuf chunk, boolean last) {
        if (closed || !chunk.isReadable()) {
            chunk.release();
        } else {
            chunks.add(chunk);
            unread += chunk.readableBytes();
        }
        complete |= last;
        notifyAll();
        // sticky until the reader drains it (resumeIfDrained): a later offer that finds the reader caught up must
        // not clear it, or nobody would turn reading back on
        if (complete) {
            paused = false;
        } else if (unread > PAUSE_AT) {
            paused = true;
        }
        return paused;
    }

    /** True while the connection should not read more of this body. */
    synchronized boolean paused() {
        return paused;
    }

    synchronized int unread() {
        return unread;
    }

    /** On the event loop: the connection failed; a waiting reader gets {@code e}. */
    synchronized void fail(IOException e) {
        failure = e;
        notifyAll();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (chunks.isEmpty()) {
            if (complete || closed) {
                return -1;
            }
            if (failure != null) {
                throw failure;
            }
            if (channel.eventLoop().inEventLoop()) {
                throw new IOException("the request body is still arriving; read it off the event loop");
            }
            try {
                wait(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading the request body", e);
            }
        }
        ByteBuf head = chunks.peek();
        int n = Math.min(len, head.readableBytes());
        head.readBytes(b, off, n);
        unread -= n;
        if (!head.isReadable()) {
            chunks.poll().release();
        }
        resumeIfDrained();
        return n;
    }

    @Override
    public synchronized int available() {
        return unread;
    }

    /** Drops what is unread and what is still to arrive. */
    @Override
    public synchronized void close() {
        closed = true;
        ByteBuf chunk;
        while ((chunk = chunks.poll()) != null) {
            chunk.release();
        }
        unread = 0;
        resumeIfDrained();
    }

    private void resumeIfDrained() {
        if (paused && unread < PAUSE_AT / 4) {
            paused = false;
            channel.eventLoop().execute(resume);
        }
    }
}
