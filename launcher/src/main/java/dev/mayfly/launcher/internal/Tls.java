package dev.mayfly.launcher.internal;

import dev.mayfly.schemas.config.ConfigException;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;

/** TLS for the HTTP port, from a PKCS#12 key store (e.g. made with {@code keytool} or {@code openssl pkcs12 -export}). */
public final class Tls {
    private Tls() {
    }

    public static SSLContext fromKeyStore(Path keyStore, String password) {
        char[] secret = password == null ? new char[0] : password.toCharArray();
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, secret);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, secret);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (Exception e) {
            throw new ConfigException("cannot use TLS key store " + keyStore + ": " + e.getMessage());
        }
    }
}
