package io.trafficmonitor.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A serving certificate for tests, with the CA that signs it: the files of a kubernetes.io/tls
 * Secret ({@code ca.crt}, {@code tls.crt}, {@code tls.key}).
 */
public record ServingCert(Path ca, Path cert, Path key) {
  /** A new CA and a certificate it signs for these names and addresses, written to {@code dir}. */
  public static ServingCert generate(
      Path dir, String commonName, List<String> dnsNames, List<String> ips) {
    return ControlPlaneCerts.serving(dir, commonName, dnsNames, ips);
  }

  /** A client's TLS context that trusts {@link #ca} only (the JDK checks the host name too). */
  public SSLContext clientContext() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust(ca).getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("trust " + ca, e);
    }
  }

  /**
   * A client's TLS context that trusts certificates of CA file {@code ca} for {@code serverName},
   * whatever address it connects to (as the operator's AgentTrust: the agents' certificate names
   * their Service, not the nodes' addresses a client calls).
   */
  public static SSLContext clientContext(Path ca, String serverName) {
    try {
      X509TrustManager chain = (X509TrustManager) trust(ca).getTrustManagers()[0];
      X509ExtendedTrustManager named =
          new X509ExtendedTrustManager() {
            @Override
            public void checkServerTrusted(X509Certificate[] certs, String authType)
                throws CertificateException {
              chain.checkServerTrusted(certs, authType);
              Collection<List<?>> sans = certs[0].getSubjectAlternativeNames();
              if (sans == null || sans.stream().noneMatch(n -> serverName.equals(n.get(1)))) {
                throw new CertificateException("the certificate is not for " + serverName);
              }
            }

            @Override
            public void checkServerTrusted(X509Certificate[] c, String a, Socket s)
                throws CertificateException {
              checkServerTrusted(c, a);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e)
                throws CertificateException {
              checkServerTrusted(c, a);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] c, String a)
                throws CertificateException {
              throw new CertificateException("a client's trust only");
            }

            @Override
            public void checkClientTrusted(X509Certificate[] c, String a, Socket s)
                throws CertificateException {
              checkClientTrusted(c, a);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e)
                throws CertificateException {
              checkClientTrusted(c, a);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
              return chain.getAcceptedIssuers();
            }
          };
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {named}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("trust " + ca, e);
    }
  }

  private static TrustManagerFactory trust(Path ca) throws GeneralSecurityException {
    try (InputStream in = Files.newInputStream(ca)) {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(trust);
      return tmf;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
