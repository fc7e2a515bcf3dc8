package dev.mayfly.gateway.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The escapes of the text exposition format undone, and the bytes decoded as UTF-8 (malformed bytes refused, never
 * replaced): the slow path of {@link TextLineReader}, for label values and HELP texts that hold a backslash or a
 * non-ASCII byte. Stateless.
 */
final class TextEscapes {
    private TextEscapes() {
    }

    /**
     * A label value's bytes {@code [start, stop)} (inside its quotes) with {@code \\}, {@code \"} and {@code \n} undone;
     * null when they are not UTF-8.
     *
     * @throws IllegalArgumentException naming any other escape
     */
    static String labelValue(byte[] b, int start, int stop) {
        byte[] out = new byte[stop - start];
        int n = 0;
        for (int i = start; i < stop; i++) {
            byte c = b[i];
            if (c == '\\') {
                if (i + 1 == stop) {
                    throw new IllegalArgumentException("invalid escape at the end");
                }
                byte e = b[++i];
                c = switch (e) {
                    case '\\' -> (byte) '\\';
                    case '"' -> (byte) '"';
                    case 'n' -> (byte) '\n';
                    default -> throw new IllegalArgumentException("invalid escape \\" + (char) e);
                };
            }
            out[n++] = c;
        }
        return utf8(out, 0, n);
    }

    /**
     * A HELP text's bytes {@code [start, stop)} with {@code \\} and {@code \n} undone, any other backslash kept as
     * written (as Prometheus reads HELP); null when they are not UTF-8.
     */
    static String helpText(byte[] b, int start, int stop) {
        String raw = utf8(b, start, stop - start);
        if (raw == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\\' && i + 1 < raw.length() && (raw.charAt(i + 1) == '\\' || raw.charAt(i + 1) == 'n')) {
                sb.append(raw.charAt(++i) == 'n' ? '\n' : '\\');
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The bytes decoded as UTF-8; null when they are not. */
    private static String utf8(byte[] bytes, int off, int len) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, off, len)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
