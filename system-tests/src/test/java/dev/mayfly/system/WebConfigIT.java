package dev.mayfly.system;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.mayfly.schemas.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code mayfly standalone --web.config.file}: served over TLS from PEM files made by the test, pushed to and scraped
 * over HTTPS (Java's client, curl and Python's urllib, TLS 1.2 and 1.3; TLS 1.1 refused by the server, shown with
 * openssl s_client); the certificate replaced on disk is served on the next connection without a restart; a broken
 * certificate keeps the last good one and moves the reload-failure metric; mutual TLS with
 * RequireAndVerifyClientCert (switched on by editing the file, no restart) refuses a client without a certificate or
 * with one from another CA and accepts one signed by the client CA; basic_auth_users guard every endpoint.
 */
class WebConfigIT {
    private static final String FAILURES = "mayfly_http_web_config_reload_failures_total";

    @TempDir
    Path dir;

    @Test
    void servesTlsFromPemRotatesCertificatesAndVerifiesClients() throws Exception {
        TestPki ca = TestPki.create(dir, "mayfly");
        TestPki stranger = TestPki.create(dir, "stranger");
        ca.issue("server-1", true);
        ca.issue("server-2", true);
        ca.issue("client-a", false);
        stranger.issue("client-z", false);
        Path cert = dir.resolve("server.crt");
        Path key = dir.resolve("server.key");
        install("server-1", cert, key);
        Path web = Files.writeString(dir.resolve("web.yml"), """
                tls_server_config:
                  cert_file: server.crt
                  key_file: server.key
                """);
        int httpPort = Ports.free();
        String base = "https://localhost:" + httpPort;
        SSLContext trusting = ca.trusting();
        try (MayflyProcess standalone = new MayflyProcess("standalone-tls", dir, "standalone", "--data-dir", dir.resolve("data").toString(),
                "--http-port", String.valueOf(httpPort), "--kafka-port", String.valueOf(Ports.free()), "--bind", "127.0.0.1",
                "--web.config.file", web.toString()).start()) {
            standalone.awaitOutput("Mayfly is ready", Duration.ofSeconds(120));
            assertThat(standalone.output()).contains("scrape                  https://localhost:" + httpPort + "/metrics");

            // pushed and scraped over HTTPS, trusting the test CA only
            HttpResponse<String> push = send(trusting, HttpRequest.newBuilder(URI.create(base + "/metrics/job/tls"))
                    .POST(HttpRequest.BodyPublishers.ofString("# TYPE tls_pushes_total counter\ntls_pushes_total 3\n")));
            assertThat(push.statusCode()).as(push.body()).isEqualTo(200);
            assertThat(serialServed(trusting, base)).isEqualTo(serialOf(dir.resolve("server-1.crt")));
            awaitSample(trusting, base, "tls_pushes_total{", 3);
            assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/-/healthy")).build(),
                    HttpResponse.BodyHandlers.discarding())).as("plain HTTP on the TLS port").isInstanceOf(IOException.class);

            // a real curl, over TLS 1.2 and over TLS 1.3
            assertThat(curl("--tlsv1.2", "--tls-max", "1.2", base + "/-/healthy")).isEqualTo("OK");
            assertThat(curl("--tlsv1.3", base + "/-/healthy")).isEqualTo("OK");
            assertThat(curl("--tlsv1.1", "--tls-max", "1.1", base + "/-/healthy")).as("TLS 1.1").isNull();
            assertServerRefusesTls11(httpPort);

            // a real Python client (the standard library's urllib and ssl), pinned to TLS 1.2, then to TLS 1.3
            assertThat(python(base, "1.2")).isEqualTo("TLSv1.2 200 OK");
            assertThat(python(base, "1.3")).isEqualTo("TLSv1.3 200 OK");
            awaitSample(trusting, base, "tls_pushes_total{", 3 + 2 * 5);

            // rotated on disk: the next connection gets the new certificate, no restart; one open meanwhile keeps working
            HttpClient open = HttpClient.newBuilder().sslContext(trusting).version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest healthy = HttpRequest.newBuilder(URI.create(base + "/-/healthy")).build();
            assertThat(open.send(healthy, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            install("server-2", cert, key);
            assertThat(serialServed(trusting, base)).isEqualTo(serialOf(dir.resolve("server-2.crt")));
            HttpResponse<String> onOpenConnection = open.send(healthy, HttpResponse.BodyHandlers.ofString());
            assertThat(onOpenConnection.statusCode()).isEqualTo(200);
            assertThat(((X509Certificate) onOpenConnection.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber())
                    .as("the connection opened before the rotation").isEqualTo(serialOf(dir.resolve("server-1.crt")));
            double failuresBefore = scrape(trusting, base).getOrDefault(FAILURES, 0.0);

            // a broken certificate: the last good one is served, the failure is counted once
            Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
            assertThat(serialServed(trusting, base)).isEqualTo(serialOf(dir.resolve("server-2.crt")));
            assertThat(serialServed(trusting, base)).isEqualTo(serialOf(dir.resolve("server-2.crt")));
            Map<String, Double> afterBroken = scrape(trusting, base);
            assertThat(afterBroken.get(FAILURES)).isEqualTo(failuresBefore + 1);
            assertThat(afterBroken.get("mayfly_http_web_config_last_reload_successful")).isEqualTo(0.0);
            assertThat(standalone.output()).contains("changed but cannot be used, keeping the last good one");

            // mutual TLS switched on by editing the file
            install("server-1", cert, key);
            Files.copy(ca.caCertificate(), dir.resolve("client-ca.crt"));
            Files.writeString(web, """
                    tls_server_config:
                      cert_file: server.crt
                      key_file: server.key
                      client_auth_type: RequireAndVerifyClientCert
                      client_ca_file: client-ca.crt
                    """);
            assertThatThrownBy(() -> serialServed(trusting, base)).as("no client certificate").isInstanceOf(IOException.class);
            SSLContext strangerClient = ca.trustingWithClientCertificate(stranger, "client-z");
            assertThatThrownBy(() -> serialServed(strangerClient, base)).as("a client certificate of another CA").isInstanceOf(IOException.class);
            SSLContext clientA = ca.trustingWithClientCertificate(ca, "client-a");
            assertThat(serialServed(clientA, base)).isEqualTo(serialOf(dir.resolve("server-1.crt")));
            assertThat(scrape(clientA, base).get("mayfly_http_web_config_last_reload_successful")).isEqualTo(1.0);
            assertThat(curl("--cert", dir.resolve("client-a.crt").toString(), "--key", dir.resolve("client-a.key").toString(),
                    base + "/-/healthy")).as("curl with the client certificate").isEqualTo("OK");
            assertThat(curl(base + "/-/healthy")).as("curl without a client certificate").isNull();

            // min_version TLS13: a TLS 1.2 client is refused, a TLS 1.3 one served
            Files.writeString(web, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n");
            assertThat(curl("--tlsv1.2", "--tls-max", "1.2", base + "/-/healthy")).as("TLS 1.2 below min_version").isNull();
            assertThat(curl("--tlsv1.3", base + "/-/healthy")).isEqualTo("OK");

            // basic_auth_users: every endpoint, health included, as in the Pushgateway
            String hash = BCrypt.withDefaults().hashToString(6, "pw-alice".toCharArray());
            Files.writeString(web, """
                    tls_server_config:
                      cert_file: server.crt
                      key_file: server.key
                    basic_auth_users:
                      alice: %s
                    """.formatted(hash));
            assertThat(send(trusting, HttpRequest.newBuilder(URI.create(base + "/-/healthy"))).statusCode()).isEqualTo(401);
            assertThat(send(trusting, HttpRequest.newBuilder(URI.create(base + "/metrics"))).statusCode()).isEqualTo(401);
            String alice = "Basic " + Base64.getEncoder().encodeToString("alice:pw-alice".getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> authorized = send(trusting, HttpRequest.newBuilder(URI.create(base + "/metrics/job/tls"))
                    .header("Authorization", alice)
                    .POST(HttpRequest.BodyPublishers.ofString("# TYPE tls_pushes_total counter\ntls_pushes_total 2\n")));
            assertThat(authorized.statusCode()).as(authorized.body()).isEqualTo(200);
            assertThat(send(trusting, HttpRequest.newBuilder(URI.create(base + "/-/healthy")).header("Authorization", alice)).statusCode()).isEqualTo(200);
        }
    }

    /**
     * The server itself refuses TLS 1.1: an OpenSSL client that offers TLS 1.1 only, and allows it (security level 0,
     * as OpenSSL 3 refuses TLS 1.1 on its own otherwise), receives the server's protocol_version alert (number 70).
     * The same client command completes a TLS 1.1 handshake with a server that accepts it ({@code openssl s_server
     * -tls1_1}), so the refusal is not the client's.
     */
    private void assertServerRefusesTls11(int httpPort) throws Exception {
        String refused = sClientTls11(httpPort);
        assertThat(refused).as("openssl s_client -tls1_1 against Mayfly").contains("alert protocol version")
                .contains("SSL alert number 70").contains("Cipher is (NONE)");
        int controlPort = Ports.free();
        Process control = new ProcessBuilder("openssl", "s_server", "-accept", String.valueOf(controlPort),
                "-cert", dir.resolve("server-1.crt").toString(), "-key", dir.resolve("server-1.key").toString(),
                "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0", "-www").redirectErrorStream(true)
                .redirectOutput(dir.resolve("s_server.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            String accepted = "";
            while (System.nanoTime() < deadline && !handshakeCompleted(accepted)) {
                Thread.sleep(200);
                accepted = sClientTls11(controlPort);
            }
            assertThat(handshakeCompleted(accepted)).as("the same client against a TLS 1.1 server: %s", accepted).isTrue();
        } finally {
            control.destroyForcibly().waitFor();
        }
    }

    /** Whether s_client's output shows a completed TLS 1.1 handshake (it prints the attempted protocol either way). */
    private static boolean handshakeCompleted(String sClientOutput) {
        return sClientOutput.contains("Protocol  : TLSv1.1") && !sClientOutput.contains("Cipher is (NONE)");
    }

    private String sClientTls11(int port) throws Exception {
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-tls1_1",
                "-cipher", "DEFAULT:@SECLEVEL=0", "-CAfile", dir.resolve("mayfly-ca.crt").toString())
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    /**
     * Debian's /usr/bin/python3 with the standard library only: pushes {@code tls_pushes_total 5} with urllib over
     * TLS pinned to {@code version} (min and max), trusting the test CA's PEM only, then prints the negotiated
     * version and the answer to GET /-/healthy.
     */
    private String python(String base, String version) throws Exception {
        Path script = dir.resolve("tls_client.py");
        Files.writeString(script, """
                import http.client, ssl, sys, urllib.request
                base, cafile, version = sys.argv[1], sys.argv[2], sys.argv[3]
                pinned = {'1.2': ssl.TLSVersion.TLSv1_2, '1.3': ssl.TLSVersion.TLSv1_3}[version]
                ctx = ssl.create_default_context(cafile=cafile)
                ctx.minimum_version = pinned
                ctx.maximum_version = pinned
                push = urllib.request.Request(base + '/metrics/job/tls', method='POST',
                        data=b'# TYPE tls_pushes_total counter\\ntls_pushes_total 5\\n')
                with urllib.request.urlopen(push, context=ctx, timeout=10) as r:
                    assert r.status == 200, r.status
                host, port = base.split('//')[1].split(':')
                conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=10)
                conn.request('GET', '/-/healthy')
                r = conn.getresponse()
                print(conn.sock.version(), r.status, r.read().decode().strip())
                """);
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), base, dir.resolve("mayfly-ca.crt").toString(), version)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor()).as("python: %s", out).isZero();
        return out;
    }

    /** curl's output trusting the test CA, or null when curl failed (a refused handshake). */
    private String curl(String... args) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("curl", "-sS", "--fail", "--max-time", "10",
                "--cacert", dir.resolve("mayfly-ca.crt").toString()));
        command.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? out.trim() : null;
    }

    private void install(String issued, Path cert, Path key) throws IOException {
        Files.copy(dir.resolve(issued + ".key"), key, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(dir.resolve(issued + ".crt"), cert, StandardCopyOption.REPLACE_EXISTING);
    }

    /** A new client, so a new connection: the serial of the certificate the server presented. */
    private static BigInteger serialServed(SSLContext tls, String base) throws Exception {
        HttpResponse<String> r = send(tls, HttpRequest.newBuilder(URI.create(base + "/-/healthy")));
        return ((X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber();
    }

    private static BigInteger serialOf(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in)).getSerialNumber();
        }
    }

    private static HttpResponse<String> send(SSLContext tls, HttpRequest.Builder request) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, Double> scrape(SSLContext tls, String base) throws Exception {
        HttpResponse<String> r = send(tls, HttpRequest.newBuilder(URI.create(base + "/metrics")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return MetricsText.parse(r.body());
    }

    private static void awaitSample(SSLContext tls, String base, String prefix, double value) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Map<String, Double> last = Map.of();
        while (System.nanoTime() < deadline) {
            last = scrape(tls, base);
            if (last.entrySet().stream().anyMatch(e -> e.getKey().startsWith(prefix) && e.getValue() == value)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no " + prefix + " = " + value + " in " + last);
    }
}
