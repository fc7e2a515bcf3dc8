package dev.mayfly.gateway.internal;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The text format's numbers: the fast path against {@link Double#parseDouble}, the format's words, and refusals. */
class TextNumbersTest {

    @Test
    void shortDecimalsTakeTheFastPathAndGiveExactlyWhatParseDoubleGives() {
        Random random = new Random(42);
        for (int n = 0; n < 200_000; n++) {
            String text = shortDecimal(random);
            byte[] b = text.getBytes(StandardCharsets.US_ASCII);
            double fast = TextNumbers.fastDecimal(b, 0, b.length);
            assertThat(Double.isNaN(fast)).as("fast path taken for %s", text).isFalse();
            assertThat(Double.doubleToRawLongBits(fast)).as("bits of %s", text)
                    .isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(text)));
            assertThat(TextNumbers.parse(b, 0, b.length)).as(text).isEqualTo(Double.parseDouble(text));
        }
    }

    @Test
    void shapesTheGeneratorDoesNotWriteTakeTheFastPathToo() {
        for (String text : new String[]{".5", "5.", "-0", "+7", "1E3", "2e+5", "3e007", "-1.25E-0", "0.000123", "1e22"}) {
            double fast = TextNumbers.fastDecimal(bytes(text), 0, text.length());
            assertThat(Double.isNaN(fast)).as("fast path taken for %s", text).isFalse();
            assertThat(Double.doubleToRawLongBits(fast)).as(text).isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(text)));
        }
    }

    @Test
    void whatTheFastPathCannotReadExactlyGoesThroughParseDouble() {
        for (String text : new String[]{"1234567890123456789", "0.1e-30", "1e300", "4.9e-324", "123456789012345678e-5",
                "1e23", "1e0300", "0x1p3", "-0X1.8P1"}) {
            byte[] b = bytes(text);
            assertThat(Double.isNaN(TextNumbers.fastDecimal(b, 0, b.length))).as("%s leaves the fast path", text).isTrue();
            assertThat(Double.doubleToRawLongBits(TextNumbers.parse(b, 0, b.length))).as(text)
                    .isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(text)));
        }
    }

    @Test
    void theFormatsWordsInAnyCase() {
        assertThat(parse("NaN")).isNaN();
        assertThat(parse("-nan")).isNaN();
        assertThat(parse("+Inf")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(parse("inf")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(parse("Infinity")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(parse("-Inf")).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void refusesWhatIsNotANumberOfTheFormatEvenWhenJavaWouldReadIt() {
        for (String text : new String[]{"", "-", "abc", "1d", "2f", "1_000", "0x1g", "0x1p3d", "0x1P3F", "-0x1.8p1D",
                "0x1.8", "1e", "1..2", "--1", "1,5"}) {
            assertThatThrownBy(() -> parse(text)).as("'%s'", text).isInstanceOf(NumberFormatException.class);
        }
    }

    @Test
    void integersAreSignedRunsOfDigits() {
        for (String text : new String[]{"0", "1700000000000", "-5", "+7"}) {
            assertThat(TextNumbers.isInteger(bytes(text), 0, text.length())).as(text).isTrue();
        }
        for (String text : new String[]{"", "-", "1.0", "1e3", "12a"}) {
            assertThat(TextNumbers.isInteger(bytes(text), 0, text.length())).as(text).isFalse();
        }
    }

    @Test
    void readsOnlyTheRangeItIsGiven() {
        byte[] line = bytes("metric 12.5 1700000000000\n");
        assertThat(TextNumbers.parse(line, 7, 11)).isEqualTo(12.5);
        assertThat(TextNumbers.isInteger(line, 12, 25)).isTrue();
        assertThat(TextNumbers.isInteger(line, 7, 11)).isFalse();
    }

    /** Up to 15 significant digits, a point anywhere (or none), an exponent that keeps the power of ten within 22. */
    private static String shortDecimal(Random random) {
        int digits = 1 + random.nextInt(15);
        StringBuilder s = new StringBuilder();
        if (random.nextInt(4) == 0) {
            s.append(random.nextBoolean() ? '-' : '+');
        }
        StringBuilder d = new StringBuilder();
        for (int i = 0; i < digits; i++) {
            d.append((char) ('0' + random.nextInt(10)));
        }
        int point = random.nextInt(digits + 1);
        int fraction = point < digits ? digits - point : 0;
        s.append(d, 0, point == 0 ? 1 : point);
        if (point == 0) {
            fraction = digits - 1;
        }
        if (fraction > 0) {
            s.append('.').append(d, digits - fraction, digits);
        }
        if (random.nextBoolean()) {
            int exp = -22 + fraction + random.nextInt(45 - fraction); // the scale, exp - fraction, within [-22, 22]
            s.append(random.nextBoolean() ? 'e' : 'E').append(exp);
        }
        return s.toString();
    }

    private static double parse(String text) {
        byte[] b = bytes(text);
        return TextNumbers.parse(b, 0, b.length);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
