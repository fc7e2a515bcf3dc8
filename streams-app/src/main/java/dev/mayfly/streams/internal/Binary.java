package dev.mayfly.streams.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Compact binary encoding for internal records and stores: zig-zag varints, raw doubles, length-prefixed UTF-8.
 * Not a public format: only this module reads what it writes (changelogs and repartition topics of one application).
 */
final class Binary {
    private Binary() {
    }

    /** A growable output buffer. Not thread-safe. */
    static final class Writer {
        private byte[] buf;
        private int pos;

        Writer(int capacity) {
            buf = new byte[capacity];
        }

        private void ensure(int n) {
            if (pos + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
            }
        }

        Writer writeByte(int b) {
            ensure(1);
            buf[pos++] = (byte) b;
            return this;
        }

        Writer writeLong(long v) {
            ensure(10);
            long z = (v << 1) ^ (v >> 63);
            while ((z & ~0x7FL) != 0) {
                buf[pos++] = (byte) ((z & 0x7F) | 0x80);
                z >>>= 7;
            }
            buf[pos++] = (byte) z;
            return this;
        }

        Writer writeInt(int v) {
            return writeLong(v);
        }

        Writer writeDouble(double d) {
            ensure(8);
            long bits = Double.doubleToRawLongBits(d);
            for (int i = 0; i < 8; i++) {
                buf[pos++] = (byte) (bits >>> (8 * i));
            }
            return this;
        }

        Writer writeString(String s) {
            if (s == null) {
                return writeLong(-1);
            }
            return writeUtf8(s.getBytes(StandardCharsets.UTF_8));
        }

        /** Writes a string already encoded as UTF-8: the same bytes as {@link #writeString} of the string. */
        Writer writeUtf8(byte[] utf8) {
            return writeLong(utf8.length).writeRaw(utf8);
        }

        /** Bytes written so far. */
        int size() {
            return pos;
        }

        /** Appends raw bytes (no length prefix). */
        Writer writeRaw(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
            return this;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, pos);
        }
    }

    /** Reads what a {@link Writer} wrote. */
    static final class Reader {
        private final byte[] buf;
        private int pos;

        Reader(byte[] buf) {
            this.buf = buf;
        }

        /** Whether every byte has been read. */
        boolean atEnd() {
            return pos >= buf.length;
        }

        /** The bytes not read yet. */
        byte[] rest() {
            return Arrays.copyOfRange(buf, pos, buf.length);
        }

        int readByte() {
            return buf[pos++] & 0xFF;
        }

        long readLong() {
            long z = 0;
            int shift = 0;
            while (true) {
                byte b = buf[pos++];
                z |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    break;
                }
                shift += 7;
            }
            return (z >>> 1) ^ -(z & 1);
        }

        int readInt() {
            return (int) readLong();
        }

        double readDouble() {
            long bits = 0;
            for (int i = 0; i < 8; i++) {
                bits |= (long) (buf[pos++] & 0xFF) << (8 * i);
            }
            return Double.longBitsToDouble(bits);
        }

        String readString() {
            int n = (int) readLong();
            if (n < 0) {
                return null;
            }
            String s = new String(buf, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }
    }
}
