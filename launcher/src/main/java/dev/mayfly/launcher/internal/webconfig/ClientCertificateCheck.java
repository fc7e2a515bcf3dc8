package dev.mayfly.launcher.internal.webconfig;

import dev.mayfly.schemas.config.ConfigException;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayInputStream;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

/** Verifies a client certificate against the client CA, then (when given) against {@code client_allowed_sans}. */
final class ClientCertificateCheck implements X509TrustManager {
    private final X509TrustManager byCa;
    private final List<String> allowedSans;

    private ClientCertificateCheck(X509TrustManager byCa, List<String> allowedSans) {
        this.byCa = byCa;
        this.allowedSans = allowedSans;
    }

    static ClientCertificateCheck of(byte[] caPem, List<String> allowedSans) {
        try {
            Collection<? extends Certificate> cas = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(caPem));
            if (cas.isEmpty()) {
                throw new ConfigException("tls_server_config: the client CA holds no certificate");
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (Certificate ca : cas) {
                store.setCertificateEntry("ca" + n++, ca);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    return new ClientCertificateCheck(x, allowedSans);
                }
            }
            throw new IllegalStateException("no X.509 trust manager");
        } catch (ConfigException e) {
            throw e;
        } catch (Exception e) {
            throw new ConfigException("tls_server_config: cannot read the client CA: " + e.getMessage());
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        byCa.checkClientTrusted(chain, authType);
        if (allowedSans.isEmpty()) {
            return;
        }
        Collection<List<?>> sans = chain[0].getSubjectAlternativeNames();
        if (sans != null) {
            for (List<?> san : sans) {
                if (san.size() > 1 && allowedSans.contains(String.valueOf(san.get(1)))) {
                    return;
                }
            }
        }
        throw new CertificateException("could not find allowed SANs in client cert, found: " + allowedSans);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
        throw new UnsupportedOperationException("a server-side trust manager");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return byCa.getAcceptedIssuers();
    }
}
