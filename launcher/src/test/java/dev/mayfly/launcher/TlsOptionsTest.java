package dev.mayfly.launcher;

import dev.mayfly.schemas.config.ConfigException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The key store's password from a file, so it never sits on a command line (a key store made by the JDK's keytool). */
class TlsOptionsTest {
    @TempDir
    static Path dir;
    static Path keyStore;

    @BeforeAll
    static void makeKeyStore() throws Exception {
        keyStore = dir.resolve("ks.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "mayfly", "-keyalg", "EC", "-dname", "CN=localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keyStore.toString(), "-storepass", "s3cret-pw").inheritIO().start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    private static ConfigOptions parse(String... args) {
        ConfigOptions options = new ConfigOptions();
        new CommandLine(options).parseArgs(args);
        return options;
    }

    @Test
    void thePasswordCanComeFromAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("pw"), "s3cret-pw\n");
        assertThat(parse("--tls-keystore", keyStore.toString(), "--tls-keystore-password-file", file.toString()).tls()).isNotNull();
    }

    @Test
    void aWrongPasswordInTheFileIsOneClearError() throws Exception {
        Path file = Files.writeString(dir.resolve("wrong"), "nope\n");
        assertThatThrownBy(() -> parse("--tls-keystore", keyStore.toString(), "--tls-keystore-password-file", file.toString()).tls())
                .isInstanceOf(ConfigException.class).hasMessageContaining("cannot use TLS key store");
        assertThatThrownBy(() -> parse("--tls-keystore", keyStore.toString(), "--tls-keystore-password-file", dir.resolve("missing").toString()).tls())
                .isInstanceOf(ConfigException.class).hasMessageContaining("cannot read the key store password file");
    }

    @Test
    void aKeyStoreAndAWebConfigFileAreNotBothTaken() throws Exception {
        Path web = Files.writeString(dir.resolve("web.yml"), "basic_auth_users:\n  alice: $2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze\n");
        assertThatThrownBy(() -> parse("--tls-keystore", keyStore.toString(), "--web.config.file", web.toString()).tls())
                .isInstanceOf(ConfigException.class).hasMessageContaining("--tls-keystore and --web.config.file both configure TLS");
        ConfigOptions options = parse("--web.config.file", web.toString());
        assertThat(options.tls()).as("no tls_server_config: plain HTTP").isNull();
        assertThat(options.everyRoute(java.util.Map.of())).isNotNull();
        assertThatThrownBy(() -> options.everyRoute(java.util.Map.of("push.auth.token.file", "/etc/mayfly/tokens")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'push.auth.token.file' could never pass them");
    }

    @Test
    void theWebConfigFileCanComeFromTheConfigurationAndTheFlagWins() throws Exception {
        Path web = Files.writeString(dir.resolve("from-config.yml"), "http_server_config:\n  headers:\n    X-Frame-Options: deny\n");
        ConfigOptions fromSet = parse("--set", "web.config.file=" + web);
        assertThat(fromSet.load(new java.util.HashMap<>())).containsEntry("web.config.file", web.toString());
        assertThat(fromSet.everyRoute(java.util.Map.of())).isNotNull();
        ConfigOptions flagWins = parse("--set", "web.config.file=" + dir.resolve("absent.yml"), "--web.config.file", web.toString());
        assertThat(flagWins.load(new java.util.HashMap<>())).containsEntry("web.config.file", web.toString());
        assertThat(flagWins.everyRoute(java.util.Map.of())).isNotNull();
    }
}
