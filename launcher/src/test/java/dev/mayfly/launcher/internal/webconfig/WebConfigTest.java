package dev.mayfly.launcher.internal.webconfig;

import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.testing.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading and validating web config files as the exporter-toolkit does, with PEM files made by openssl. */
class WebConfigTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void certificates() throws Exception {
        TestPki ca = TestPki.create(dir, "web");
        ca.issue("server", true);
        Files.copy(ca.caCertificate(), dir.resolve("ca.crt"));
    }

    private static WebConfigFile open(String yaml) throws Exception {
        return WebConfigFile.open(Files.writeString(Files.createTempFile(dir, "web", ".yml"), yaml));
    }

    private static void refused(String yaml, String message) {
        assertThatThrownBy(() -> open(yaml)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void theToolkitsOwnExampleFileIsAcceptedAsIs() throws Exception {
        // docs/web-config.yml of prometheus/exporter-toolkit, verbatim
        WebConfigFile file = open("""
                # TLS and basic authentication configuration example.
                #
                # Additionally, a certificate and a key file are needed.
                tls_server_config:
                  cert_file: server.crt
                  key_file: server.key

                # Usernames and passwords required to connect.
                # Passwords are hashed with bcrypt: https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md#about-bcrypt.
                basic_auth_users:
                  alice: $2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze
                  bob: $2y$10$hLqFl9jSjoAAy95Z/zw8Ye8wkdMBM8c5Bn1ptYqP/AXyV0.oy0S8m

                # Rate limiting requests on the endpoint using a token bucket
                rate_limit:
                  interval: "1s" # time interval between two requests, set to 0 to disable rate limiter
                  burst: 20 # and permits a burst of up to 20 requests.
                """);
        assertThat(file.servesTls()).isTrue();
        assertThat(file.config().basicAuthUsers()).containsOnlyKeys("alice", "bob");
        assertThat(file.config().tls().certFile()).as("relative to the file's directory").isEqualTo(dir.resolve("server.crt").toString());
        assertThat(file.tls().newEngine().getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.2", "TLSv1.3");
    }

    @Test
    void everyDocumentedTlsKeyIsAccepted() throws Exception {
        WebConfigFile file = open("""
                tls_server_config:
                  cert_file: server.crt
                  key_file: server.key
                  client_auth_type: RequireAndVerifyClientCert
                  client_ca_file: ca.crt
                  client_allowed_sans: [client-a]
                  min_version: TLS13
                  max_version: TLS13
                  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
                  prefer_server_cipher_suites: false
                  curve_preferences: [X25519, CurveP256]
                http_server_config:
                  http2: false
                  headers:
                    X-Frame-Options: deny
                    Strict-Transport-Security: max-age=31536000
                """);
        assertThat(file.tls().newEngine().getEnabledProtocols()).containsExactly("TLSv1.3");
        assertThat(file.tls().newEngine().getNeedClientAuth()).isTrue();
        assertThat(file.config().headers()).containsEntry("X-Frame-Options", "deny");
    }

    @Test
    void keysInTheFormsGoReadsAreAcceptedToo() throws Exception {
        // what Go's tools and cert-manager write: SEC1 "BEGIN EC PRIVATE KEY" (and PKCS#1 for RSA), not only PKCS#8
        Process p = new ProcessBuilder("openssl", "ec", "-in", "server.key", "-out", "server-sec1.key")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        assertThat(p.waitFor()).isZero();
        assertThat(Files.readString(dir.resolve("server-sec1.key"))).startsWith("-----BEGIN EC PRIVATE KEY-----");
        assertThat(open("tls_server_config:\n  cert_file: server.crt\n  key_file: server-sec1.key\n").servesTls()).isTrue();
    }

    @Test
    void anUnknownKeyIsRefusedByName() {
        refused("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cert_flie: x\n", "unknown key 'tls_server_config.cert_flie'");
        refused("basic_auth_user:\n  alice: x\n", "unknown key 'basic_auth_user'");
        refused("http_server_config:\n  header: {}\n", "unknown key 'http_server_config.header'");
    }

    @Test
    void aBadClientAuthTypeIsRefusedWithTheChoices() {
        refused("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireClientCert\n",
                "invalid client_auth_type 'RequireClientCert' (one of");
    }

    @Test
    void missingOrUnreadableFilesAreNamed() {
        refused("tls_server_config:\n  cert_file: server.crt\n  key_file: nowhere.key\n", "failed to read key_file (" + dir.resolve("nowhere.key"));
        refused("tls_server_config:\n  key_file: server.key\n", "missing one of cert or cert_file");
        refused("tls_server_config:\n  cert_file: server.crt\n  key_file: server.crt\n", "cannot use the certificate and key");
        assertThatThrownBy(() -> WebConfigFile.open(dir.resolve("absent.yml"))).hasMessageContaining("cannot read web config file");
    }

    @Test
    void clientCertificatePoliciesAreChecked() {
        refused("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n",
                "client CA's have been configured without a Client Auth Policy");
        refused("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n",
                "needs client_ca_file");
    }

    @Test
    void versionsCiphersCurvesHeadersAndHashesAreChecked() {
        String tls = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";
        refused(tls + "  min_version: TLS14\n", "unknown TLS version: TLS14");
        refused(tls + "  min_version: TLS13\n  max_version: TLS12\n", "min_version TLS13 is above max_version TLS12");
        refused(tls + "  cipher_suites: [TLS_FAST_AND_LOOSE]\n", "unknown cipher: TLS_FAST_AND_LOOSE");
        refused(tls + "  curve_preferences: [P256]\n", "unknown curve: P256");
        refused("http_server_config:\n  headers:\n    X-Powered-By: me\n", "HTTP header 'X-Powered-By' can not be configured");
        refused("http_server_config:\n  headers:\n    X-Frame-Options: allow\n", "invalid value for X-Frame-Options");
        refused("basic_auth_users:\n  alice: plaintext\n", "basic_auth_users.alice is not a bcrypt hash");
    }

    @Test
    void theDocumentedExampleFileIsValidAndSaysWhatIsNotApplied() throws Exception {
        Path example = Path.of("..", "docs", "web-config.yml").toAbsolutePath().normalize();
        WebConfig config = WebConfig.parse(Files.readString(example), example.getParent(), example.toString());
        assertThat(config.tls().clientAuthType()).isEqualTo("RequireAndVerifyClientCert");
        assertThat(config.basicAuthUsers()).containsKey("prometheus");
        assertThat(config.headers()).containsKeys("Strict-Transport-Security", "X-Frame-Options").doesNotContainKey("X-XSS-Protection");
        assertThat(config.notApplied()).containsExactly("rate_limit", "tls_server_config.curve_preferences");
    }

    @Test
    void aBrokenReloadKeepsTheLastGoodConfigurationAndAGoodOneReplacesIt() throws Exception {
        Path file = Files.writeString(dir.resolve("reloaded.yml"), "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
        WebConfigFile web = WebConfigFile.open(file);
        Files.writeString(file, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS99\n");
        assertThat(web.config().tls().minVersion()).as("broken: the last good one").isEqualTo("TLS12");
        Files.writeString(file, "basic_auth_users:\n  alice: $2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze\n");
        assertThat(web.config().hasTls()).as("TLS is not turned off by a reload").isTrue();
        assertThat(web.config().basicAuthUsers()).isEmpty();
        Files.writeString(file, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n");
        assertThat(web.config().tls().minVersion()).isEqualTo("TLS13");
        assertThat(web.tls().newEngine().getEnabledProtocols()).containsExactly("TLSv1.3");
    }

    @Test
    void anEmptyFileIsPlainHttpWithoutAuth() throws Exception {
        WebConfigFile file = open("");
        assertThat(file.servesTls()).isFalse();
        assertThat(file.tls()).isNull();
    }
}
