package dev.mayfly.schemas.registry;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.testing.FakeRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Error mapping against the in-test fake; the real registry is exercised by SchemaRegistryClientIT. */
class SchemaRegistryClientTest {

    @Test
    void aNonJsonErrorBodyIsShortenedToOneLine() {
        try (FakeRegistry fake = new FakeRegistry()) {
            fake.failWith(502, "<html>\n<body>" + "bad gateway ".repeat(100) + "</body></html>");
            SchemaRegistryClient client = new SchemaRegistryClient(fake.url(), Duration.ofSeconds(2));

            assertThatThrownBy(() -> client.schemaById(1))
                    .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.status()).isEqualTo(502))
                    .hasMessageStartingWith("schema registry answered 502 to GET " + fake.url() + "/schemas/ids/1: <html> <body>bad gateway")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").hasSizeLessThan(400));
        }
    }

    @Test
    void anOkAnswerWithoutAnIdIsAnError() {
        try (FakeRegistry fake = new FakeRegistry()) {
            fake.failWith(200, "{\"unexpected\":true}");
            SchemaRegistryClient client = new SchemaRegistryClient(fake.url(), Duration.ofSeconds(2));

            assertThatThrownBy(() -> client.register("s", MetricEventBatch.getClassSchema()))
                    .isInstanceOf(RegistryException.class).hasMessageContaining("without an id");
        }
    }

    @Test
    void onlyHttpUrlsAreAccepted() {
        assertThatThrownBy(() -> new SchemaRegistryClient("registry:8081", Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("registry:8081");
    }
}
