package dev.mayfly.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;

import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.io.OutputStream;

/**
 * The body of a streamed response: gathered in 64 KiB chunks, each written once the client has room for it (waiting
 * at most the write timeout), the end written on {@link #close()}. One writer thread.
 */
final class ChunkedBodyStream extends OutputStream {
    static final int CHUNK = 64 * 1024;

    private final ConnectionHandler connection;
    private final NettyResponse response;
    private final Channel channel;
    private final boolean discard;
    private final boolean closeAfter;
    private ByteBuf chunk;
    private boolean closed;

    ChunkedBodyStream(ConnectionHandler connection, NettyResponse response, Channel channel, boolean discard, boolean closeAfter) {
        this.connection = connection;
        this.response = response;
        this.channel = channel;
        this.discard = discard;
        this.closeAfter = closeAfter;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[]{(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (closed) {
            throw new IOException("response body already closed");
        }
        if (discard) {
            return; // HEAD
        }
        while (length > 0) {
            if (chunk == null) {
                chunk = channel.alloc().buffer(CHUNK, CHUNK);
            }
            int n = Math.min(length, chunk.writableBytes());
            chunk.writeBytes(bytes, offset, n);
            offset += n;
            length -= n;
            if (!chunk.isWritable()) {
                flushChunk();
            }
        }
    }

    @Override
    public void flush() throws IOException {
        if (chunk != null && chunk.isReadable()) {
            flushChunk();
        }
    }

    private void flushChunk() throws IOException {
        ByteBuf full = chunk;
        chunk = null;
        try {
            connection.awaitWritable();
        } catch (IOException e) {
            full.release();
            throw e;
        }
        try {
            channel.writeAndFlush(new DefaultHttpContent(full), channel.voidPromise());
        } catch (RejectedExecutionException e) {
            // the connection's event loop is gone: the server is stopping
            throw new IOException("connection closed: the server is stopping", e);
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            flush();
        } catch (IOException e) {
            connection.abort(response);
            throw e;
        }
        try {
            connection.write(response, LastHttpContent.EMPTY_LAST_CONTENT, true, closeAfter);
        } catch (RejectedExecutionException e) {
            throw new IOException("connection closed: the server is stopping", e);
        }
    }
}
