package dev.mayfly.gateway.internal;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The format's escapes undone, and UTF-8 decoded strictly, for label values and HELP texts. */
class TextEscapesTest {

    @Test
    void labelValuesUndoBackslashQuoteAndNewlineAndDecodeUtf8() {
        assertThat(labelValue("a\\\\b\\\"c\\nd")).isEqualTo("a\\b\"c\nd");
        assertThat(labelValue("zürich \\\"東京\\\"")).isEqualTo("zürich \"東京\"");
        assertThat(labelValue("")).isEmpty();
    }

    @Test
    void labelValuesRefuseOtherEscapesNamingThem() {
        assertThatThrownBy(() -> labelValue("a\\tb")).isInstanceOf(IllegalArgumentException.class).hasMessage("invalid escape \\t");
        assertThatThrownBy(() -> labelValue("a\\")).isInstanceOf(IllegalArgumentException.class).hasMessage("invalid escape at the end");
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedNotReplaced() {
        byte[] latin1 = {'a', (byte) 0xe9, 'b'}; // "aéb" in ISO-8859-1
        assertThat(TextEscapes.labelValue(latin1, 0, latin1.length)).isNull();
        assertThat(TextEscapes.helpText(latin1, 0, latin1.length)).isNull();
    }

    @Test
    void helpTextsUndoBackslashAndNewlineAndKeepOtherBackslashes() {
        byte[] b = bytes("x \\\\ y \\n z \\t \\\" ü");
        assertThat(TextEscapes.helpText(b, 0, b.length)).isEqualTo("x \\ y \n z \\t \\\" ü");
        byte[] trailing = bytes("ends in \\");
        assertThat(TextEscapes.helpText(trailing, 0, trailing.length)).isEqualTo("ends in \\");
    }

    @Test
    void onlyTheGivenRangeIsRead() {
        byte[] b = bytes("m{a=\"x\\ny\"} 1");
        assertThat(TextEscapes.labelValue(b, 5, 9)).isEqualTo("x\ny");
    }

    private static String labelValue(String inQuotes) {
        byte[] b = bytes(inQuotes);
        return TextEscapes.labelValue(b, 0, b.length);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
