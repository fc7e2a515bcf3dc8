package dev.mayfly.gateway.internal;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The numbers of the text exposition format, read in place from a push's bytes. A short decimal (at most 15
 * significant digits and a power of ten up to 22: what clients write) takes the fast path of Clinger's algorithm:
 * its digits and the power of ten are both exact doubles, so one multiplication or division rounds once and the
 * result is the one {@link Double#parseDouble} gives. <p>Anything else goes through {@link Double#parseDouble}, after
 * the format's words (NaN, Inf, +Inf, -Inf, any case) and a check of the characters: digits, sign, point and
 * exponent, so a number with Java's type suffix ({@code 1d}, {@code 2f}, {@code 0x1p3d}) is refused though Java would
 * read it. A hexadecimal float ({@code 0x1p3}) is read: it ends with the digits of its binary exponent, which Java
 * requires, so one ending in a letter is refused.</p>
 */
final class TextNumbers {
    private static final double[] POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
            1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

    private TextNumbers() {
    }

    /**
     * The value of {@code b[start, stop)}.
     *
     * @throws NumberFormatException when it is not a number of the format
     */
    static double parse(byte[] b, int start, int stop) {
        double fast = fastDecimal(b, start, stop);
        if (!Double.isNaN(fast)) {
            return fast;
        }
        String text = new String(b, start, stop - start, StandardCharsets.ISO_8859_1);
        switch (text.toLowerCase(Locale.ROOT)) {
            case "nan", "+nan", "-nan" -> {
                return Double.NaN;
            }
            case "inf", "+inf", "infinity", "+infinity" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-inf", "-infinity" -> {
                return Double.NEGATIVE_INFINITY;
            }
            default -> {
            }
        }
        boolean hex = text.startsWith("0x") || text.startsWith("-0x") || text.startsWith("+0x")
                || text.startsWith("0X") || text.startsWith("-0X") || text.startsWith("+0X");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'
                    || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == 'x' || c == 'X' || c == 'p' || c == 'P'));
            if (!ok) {
                throw new NumberFormatException("not a number: " + text);
            }
        }
        if (hex && !Character.isDigit(text.charAt(text.length() - 1))) {
            throw new NumberFormatException("not a number: " + text);
        }
        return Double.parseDouble(text);
    }

    /** Exact value of a short decimal ({@code -12.5}, {@code 3e2}); NaN when the text needs the slow path. */
    static double fastDecimal(byte[] b, int start, int stop) {
        int i = start;
        boolean negative = false;
        if (i < stop && (b[i] == '-' || b[i] == '+')) {
            negative = b[i] == '-';
            i++;
        }
        long mantissa = 0;
        int digits = 0;
        int scale = 0;
        boolean sawDigit = false;
        while (i < stop && b[i] >= '0' && b[i] <= '9') {
            if (digits > 0 || b[i] != '0') {
                digits++;
            }
            mantissa = mantissa * 10 + (b[i] - '0');
            sawDigit = true;
            i++;
        }
        if (i < stop && b[i] == '.') {
            i++;
            while (i < stop && b[i] >= '0' && b[i] <= '9') {
                if (digits > 0 || b[i] != '0') {
                    digits++;
                }
                mantissa = mantissa * 10 + (b[i] - '0');
                scale--;
                sawDigit = true;
                i++;
            }
        }
        if (!sawDigit || digits > 15) {
            return Double.NaN;
        }
        if (i < stop && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            boolean negExp = false;
            if (i < stop && (b[i] == '-' || b[i] == '+')) {
                negExp = b[i] == '-';
                i++;
            }
            int exp = 0;
            int expDigits = 0;
            while (i < stop && b[i] >= '0' && b[i] <= '9' && expDigits < 4) {
                exp = exp * 10 + (b[i] - '0');
                expDigits++;
                i++;
            }
            if (expDigits == 0) {
                return Double.NaN;
            }
            scale += negExp ? -exp : exp;
        }
        if (i != stop) {
            return Double.NaN;
        }
        double v = mantissa;
        if (scale < 0) {
            if (-scale > 22) {
                return Double.NaN;
            }
            v = v / POW10[-scale];
        } else if (scale > 0) {
            if (scale > 22) {
                return Double.NaN;
            }
            v = v * POW10[scale];
        }
        return negative ? -v : v;
    }

    /** Whether the bytes are an optionally signed run of digits (a sample timestamp). */
    static boolean isInteger(byte[] b, int start, int stop) {
        int i = start;
        if (i < stop && (b[i] == '-' || b[i] == '+')) {
            i++;
        }
        if (i == stop) {
            return false;
        }
        for (; i < stop; i++) {
            if (b[i] < '0' || b[i] > '9') {
                return false;
            }
        }
        return true;
    }
}
