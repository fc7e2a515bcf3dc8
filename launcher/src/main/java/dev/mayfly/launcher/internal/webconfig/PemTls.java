package dev.mayfly.launcher.internal.webconfig;

import dev.mayfly.launcher.internal.webconfig.WebConfig.TlsServerConfig;
import dev.mayfly.schemas.config.ConfigException;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A server TLS context from the PEM files (or inline PEM) of a {@code tls_server_config}, with the toolkit's meaning
 * of each key:
 * <ul>
 *   <li>{@code client_auth_type}: NoClientCert (none asked), RequestClientCert (asked, any accepted, none required),
 *       RequireAnyClientCert (required, not verified), VerifyClientCertIfGiven (verified against the client CA when
 *       given), RequireAndVerifyClientCert (required and verified: the one that authenticates clients).</li>
 *   <li>{@code min_version}/{@code max_version}: TLS10..TLS13, default TLS12..TLS13 (what the JVM has not disabled).</li>
 *   <li>{@code cipher_suites}: IANA names (the same in Go and Java), for TLS 1.2 and below; TLS 1.3's suites stay
 *       enabled, as in Go, where they cannot be configured.</li>
 *   <li>{@code prefer_server_cipher_suites}: the server's order is used (default true).</li>
 *   <li>{@code curve_preferences}: names are checked, but Java 17 has no per-server setting for them; the JVM-wide
 *       {@code -Djdk.tls.namedGroups=x25519,secp256r1} does it.</li>
 *   <li>{@code client_allowed_sans}: a verified client certificate must carry one of them as a DNS, IP, e-mail or URI
 *       subject alternative name.</li>
 * </ul>
 */
final class PemTls {
    static final Set<String> CLIENT_AUTH_TYPES = Set.of("NoClientCert", "RequestClientCert", "RequireAnyClientCert",
            "VerifyClientCertIfGiven", "RequireAndVerifyClientCert");
    private static final Map<String, String> VERSIONS = Map.of("TLS10", "TLSv1", "TLS11", "TLSv1.1", "TLS12", "TLSv1.2", "TLS13", "TLSv1.3");
    private static final List<String> VERSION_ORDER = List.of("TLS10", "TLS11", "TLS12", "TLS13");
    private static final Set<String> CURVES = Set.of("CurveP256", "CurveP384", "CurveP521", "X25519");
    private static final List<String> TLS13_SUITES = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

    /** A built context and whether the server's cipher order wins. */
    record Built(SslContext context, boolean preferServerOrder) {
        SSLEngine newEngine() {
            SSLEngine engine = context.newEngine(ByteBufAllocator.DEFAULT);
            if (preferServerOrder) {
                SSLParameters params = engine.getSSLParameters();
                params.setUseCipherSuitesOrder(true);
                engine.setSSLParameters(params);
            }
            return engine;
        }
    }

    private PemTls() {
    }

    static Built context(TlsServerConfig c) {
        byte[] cert = pem(c.cert(), c.certFile(), "cert_file");
        byte[] key = pem(c.key(), c.keyFile(), "key_file");
        byte[] ca = c.clientCa() != null || c.clientCaFile() != null ? pem(c.clientCa(), c.clientCaFile(), "client_ca_file") : null;
        SslContextBuilder b;
        try {
            b = SslContextBuilder.forServer(new ByteArrayInputStream(cert), new ByteArrayInputStream(key));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("tls_server_config: cannot use the certificate and key: " + rootMessage(e));
        }
        b.sslProvider(SslProvider.JDK).protocols(protocols(c.minVersion(), c.maxVersion()));
        if (!c.cipherSuites().isEmpty()) {
            List<String> suites = new ArrayList<>(checkedCiphers(c.cipherSuites()));
            suites.addAll(TLS13_SUITES);
            b.ciphers(suites, IdentityCipherSuiteFilter.INSTANCE);
        }
        for (String curve : c.curvePreferences()) {
            if (!CURVES.contains(curve)) {
                throw new ConfigException("tls_server_config: unknown curve: " + curve + " (one of " + CURVES + ")");
            }
        }
        switch (c.clientAuthType()) {
            case "RequestClientCert" -> b.clientAuth(ClientAuth.OPTIONAL).trustManager(AnyClientCertificate.INSTANCE);
            case "RequireAnyClientCert" -> b.clientAuth(ClientAuth.REQUIRE).trustManager(AnyClientCertificate.INSTANCE);
            case "VerifyClientCertIfGiven" -> b.clientAuth(ClientAuth.OPTIONAL).trustManager(verifying(ca, c));
            case "RequireAndVerifyClientCert" -> b.clientAuth(ClientAuth.REQUIRE).trustManager(verifying(ca, c));
            default -> b.clientAuth(ClientAuth.NONE);
        }
        try {
            return new Built(b.build(), c.preferServerCipherSuites());
        } catch (Exception e) {
            throw new ConfigException("tls_server_config: cannot use the certificate and key: " + rootMessage(e));
        }
    }

    private static TrustManager verifying(byte[] ca, TlsServerConfig c) {
        if (ca == null) {
            throw new ConfigException("tls_server_config: client_auth_type " + c.clientAuthType() + " needs client_ca_file (or client_ca)");
        }
        return ClientCertificateCheck.of(ca, c.clientAllowedSans());
    }

    private static byte[] pem(String inline, String file, String key) {
        if (inline != null) {
            return inline.getBytes(StandardCharsets.UTF_8);
        }
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new ConfigException("tls_server_config: failed to read " + key + " (" + file + "): " + e);
        }
    }

    private static String[] protocols(String min, String max) {
        int from = VERSION_ORDER.indexOf(min);
        int to = VERSION_ORDER.indexOf(max);
        if (from < 0 || to < 0) {
            throw new ConfigException("tls_server_config: unknown TLS version: " + (from < 0 ? min : max) + " (one of " + VERSION_ORDER + ")");
        }
        if (from > to) {
            throw new ConfigException("tls_server_config: min_version " + min + " is above max_version " + max);
        }
        return VERSION_ORDER.subList(from, to + 1).stream().map(VERSIONS::get).toArray(String[]::new);
    }

    private static List<String> checkedCiphers(List<String> names) {
        Set<String> supported;
        try {
            supported = Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (String n : names) {
            if (!supported.contains(n) || TLS13_SUITES.contains(n)) {
                throw new ConfigException("tls_server_config: unknown cipher: " + n);
            }
        }
        return names;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t + ")";
    }
}
