package dev.mayfly.launcher.internal;

import dev.mayfly.http.HttpServerOptions;
import dev.mayfly.http.Route;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceHostTest {
    @TempDir
    Path dir;

    @Test
    void readinessAndHealthFollowTheServicesAndCloseRunsInReverse() throws Exception {
        AtomicBoolean ready = new AtomicBoolean();
        AtomicBoolean healthy = new AtomicBoolean(true);
        AtomicBoolean closed = new AtomicBoolean();
        try (ServiceHost host = new ServiceHost()) {
            host.start(Service.of("probe", () -> { }, ready::get, healthy::get, () -> closed.set(true),
                    () -> List.of(Route.of("/probe", (request, response) -> response.send(204)))));
            int port = host.serveHttp(HttpServerOptions.defaults().withAddress("127.0.0.1", 0));
            HttpClient http = HttpClient.newHttpClient();
            assertThat(status(http, "http://127.0.0.1:" + port + "/-/ready")).isEqualTo(503);
            assertThat(status(http, "http://127.0.0.1:" + port + "/-/healthy")).isEqualTo(200);
            assertThat(status(http, "http://127.0.0.1:" + port + "/probe")).isEqualTo(204);
            ready.set(true);
            assertThat(status(http, "http://127.0.0.1:" + port + "/-/ready")).isEqualTo(200);
            healthy.set(false);
            assertThat(status(http, "http://127.0.0.1:" + port + "/-/healthy")).isEqualTo(503);
        }
        assertThat(closed).isTrue();
    }

    @Test
    void aHostWithNoServiceIsNotReady() throws Exception {
        try (ServiceHost host = new ServiceHost()) {
            int port = host.serveHttp(HttpServerOptions.defaults().withAddress("127.0.0.1", 0));
            assertThat(host.isReady()).isFalse();
            assertThat(status(HttpClient.newHttpClient(), "http://127.0.0.1:" + port + "/-/ready")).isEqualTo(503);
        }
    }

    @Test
    void aServiceThatFailsToStartIsStillClosed() {
        AtomicBoolean closed = new AtomicBoolean();
        ServiceHost host = new ServiceHost();
        assertThatThrownBy(() -> host.start(Service.of("broken", () -> {
            throw new IllegalStateException("cannot start");
        }, () -> false, () -> closed.set(true), List::of))).hasMessage("cannot start");
        host.close();
        assertThat(closed).isTrue();
    }

    @Test
    void servesHttpsFromAPkcs12KeyStore() throws Exception {
        Path keyStore = dir.resolve("mayfly.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "mayfly", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", "secret123")
                .redirectErrorStream(true).start();
        assertThat(keytool.waitFor()).isZero();
        try (ServiceHost host = new ServiceHost()) {
            host.start(Service.of("probe", () -> { }, () -> true, () -> { }, List::of));
            int port = host.serveHttp(HttpServerOptions.defaults().withAddress("127.0.0.1", 0).withTls(Tls.fromKeyStore(keyStore, "secret123")));
            SSLContext trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, new TrustManager[]{new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] c, String a) { }
                public void checkServerTrusted(X509Certificate[] c, String a) { }
                public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
            }}, null);
            HttpClient https = HttpClient.newBuilder().sslContext(trustAll).build();
            assertThat(status(https, "https://localhost:" + port + "/-/healthy")).isEqualTo(200);
            assertThatThrownBy(() -> status(HttpClient.newHttpClient(), "http://localhost:" + port + "/-/healthy"))
                    .as("plain HTTP is not served on a TLS port").isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void aWrongKeyStorePasswordIsOneClearConfigError() throws Exception {
        Path notAKeyStore = dir.resolve("bad.p12");
        java.nio.file.Files.writeString(notAKeyStore, "not a key store");
        assertThatThrownBy(() -> Tls.fromKeyStore(notAKeyStore, "x"))
                .isInstanceOf(dev.mayfly.schemas.config.ConfigException.class).hasMessageContaining("bad.p12");
    }

    private static int status(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
