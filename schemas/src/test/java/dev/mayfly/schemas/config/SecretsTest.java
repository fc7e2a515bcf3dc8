package dev.mayfly.schemas.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SecretsTest {
    @Test
    void kafkaPasswordTypesAndKeysNamingSecretsAreSecret() {
        assertThat(Secrets.isSecret("kafka.ssl.key.password")).isTrue();
        assertThat(Secrets.isSecret("kafka.sasl.jaas.config")).isTrue();
        assertThat(Secrets.isSecret("kafka.sasl.oauthbearer.client.credentials.client.secret")).isTrue();
        assertThat(Secrets.isSecret("tls.keystore.password")).isTrue();
        assertThat(Secrets.isSecret("kafka.security.protocol")).isFalse();
        assertThat(Secrets.isSecret("series.ttl")).isFalse();
        assertThat(Secrets.isSecret("push.auth.token.file")).as("a path to a secret is not one").isFalse();
    }

    @Test
    void aUrlsUserInformationIsMaskedTheRestShown() {
        assertThat(Secrets.shown("schema.registry.url", "http://u:p@registry:8081/apis")).isEqualTo("http://(secret)@registry:8081/apis");
        assertThat(Secrets.shown("schema.registry.url", "http://registry:8081")).isEqualTo("http://registry:8081");
        assertThat(Secrets.shown("kafka.ssl.key.password", "hunter2")).isEqualTo(Secrets.MASK);
        assertThat(Secrets.shown("kafka.ssl.key.password", "")).isEmpty();
    }
}
