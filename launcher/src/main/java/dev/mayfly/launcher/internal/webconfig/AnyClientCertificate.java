package dev.mayfly.launcher.internal.webconfig;

import javax.net.ssl.X509TrustManager;
import java.security.cert.X509Certificate;

/** Takes any client certificate unverified: the toolkit's RequestClientCert and RequireAnyClientCert. */
final class AnyClientCertificate implements X509TrustManager {
    static final AnyClientCertificate INSTANCE = new AnyClientCertificate();

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
        throw new UnsupportedOperationException("a server-side trust manager");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
