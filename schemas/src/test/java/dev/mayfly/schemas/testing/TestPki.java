package dev.mayfly.schemas.testing;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority made by the test with the {@code openssl} command (EC P-256 keys, PEM, PKCS#8), and the
 * certificates it signs: server certificates for {@code localhost}/127.0.0.1 and client certificates, plus the
 * Java {@link SSLContext}s a client needs to trust it or present one of them.
 */
public final class TestPki {
    private final Path dir;
    private final String name;

    private TestPki(Path dir, String name) {
        this.dir = dir;
        this.name = name;
    }

    /** A new CA named {@code name}: {@code dir/name-ca.crt} and {@code dir/name-ca.key}. */
    public static TestPki create(Path dir, String name) throws Exception {
        TestPki pki = new TestPki(dir, name);
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", pki.caKey().toString(), "-out", pki.caCertificate().toString(), "-subj", "/CN=" + name + " test CA", "-days", "2");
        return pki;
    }

    public Path caCertificate() {
        return dir.resolve(name + "-ca.crt");
    }

    private Path caKey() {
        return dir.resolve(name + "-ca.key");
    }

    /** Issues {@code dir/<file>.crt} and {@code dir/<file>.key} for localhost (server) or as client {@code file}. */
    public Path[] issue(String file, boolean server) throws Exception {
        Path key = dir.resolve(file + ".key");
        Path csr = dir.resolve(file + ".csr");
        Path cert = dir.resolve(file + ".crt");
        Path ext = Files.writeString(dir.resolve(file + ".ext"), server
                ? "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
                : "subjectAltName=DNS:" + file + "\nextendedKeyUsage=clientAuth\n");
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(),
                "-out", csr.toString(), "-subj", "/CN=" + (server ? "localhost" : file));
        openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", caCertificate().toString(), "-CAkey", caKey().toString(),
                "-CAcreateserial", "-out", cert.toString(), "-days", "2", "-extfile", ext.toString());
        return new Path[]{cert, key};
    }

    /**
     * A PKCS#12 key store {@code dir/<file>.p12} holding the certificate and key {@code file} issued by this CA,
     * protected by {@code password} (the store's and the key's).
     */
    public Path keyStore(String file, String password) throws Exception {
        Path p12 = dir.resolve(file + ".p12");
        openssl(dir, "pkcs12", "-export", "-in", dir.resolve(file + ".crt").toString(),
                "-inkey", dir.resolve(file + ".key").toString(), "-out", p12.toString(), "-passout", "pass:" + password);
        return p12;
    }

    /** A client context that trusts this CA only (and presents no certificate). */
    public SSLContext trusting() throws Exception {
        return context(null, null);
    }

    /** A client context that trusts this CA and presents the client certificate {@code file} issued by {@code issuer}. */
    public SSLContext trustingWithClientCertificate(TestPki issuer, String file) throws Exception {
        Path p12 = dir.resolve(file + "-" + System.nanoTime() + ".p12");
        openssl(dir, "pkcs12", "-export", "-in", issuer.dir.resolve(file + ".crt").toString(),
                "-inkey", issuer.dir.resolve(file + ".key").toString(), "-out", p12.toString(), "-passout", "pass:test");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            keys.load(in, "test".toCharArray());
        }
        return context(keys, "test".toCharArray());
    }

    private SSLContext context(KeyStore keys, char[] password) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caCertificate())) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (keys != null) {
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed:\n" + out);
        }
    }
}
