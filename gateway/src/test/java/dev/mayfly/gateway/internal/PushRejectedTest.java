package dev.mayfly.gateway.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a refused push tells its client: one line, of bounded length, whatever input it quotes. */
class PushRejectedTest {
    @Test
    void aMessageQuotingLineBreaksOrControlCharactersStaysOnOneLine() {
        String job = "billing\nHTTP/1.1 200 OK\r\n\u0007";
        PushRejected r = new PushRejected(403, PushRejected.FORBIDDEN, "forbidden: these credentials may not push job " + job);
        assertThat(r.getMessage()).isEqualTo("forbidden: these credentials may not push job billing\\nHTTP/1.1 200 OK\\r\\n\\u0007");
        assertThat(r.getMessage()).doesNotContain("\n", "\r");
        assertThat(PushRejected.oneLine("a \"quoted\" ünïcode value")).isEqualTo("a \"quoted\" ünïcode value");
    }

    @Test
    void aLongMessageKeepsItsHeadAndTail() {
        String message = "x".repeat(PushRejected.MAX_MESSAGE) + "\nend";
        PushRejected r = PushRejected.malformed(message);
        assertThat(r.getMessage()).hasSizeLessThan(PushRejected.MAX_MESSAGE + 50).endsWith("\\nend").contains("characters left out");
    }
}
