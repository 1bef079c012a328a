package io.trafficmonitor.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A serving certificate for tests, with the CA that signs it: the files of a kubernetes.io/tls
 * Secret ({@code ca.crt}, {@code tls.crt}, {@code tls.key}).
 */
public record ServingCert(Path ca, Path cert, Path key) {
  /** The key of a CA and its certificate. */
  public enum Key {
    /** RSA 2048, SHA-256: what Helm's {@code genCA}/{@code genSignedCert} make. */
    RSA,
    /** ECDSA P-256, SHA-256: what the chart makes ({@code genPrivateKey "ecdsa"}). */
    ECDSA
  }

  /**
   * A new CA and a certificate it signs for these names and addresses, written to {@code dir}, of
   * ECDSA keys as the chart's.
   */
  public static ServingCert generate(
      Path dir, String commonName, List<String> dnsNames, List<String> ips) {
    return generate(dir, commonName, dnsNames, ips, Key.ECDSA);
  }

  /** The same, of {@code key}. */
  public static ServingCert generate(
      Path dir, String commonName, List<String> dnsNames, List<String> ips, Key key) {
    return ControlPlaneCerts.serving(dir, commonName, dnsNames, ips, key);
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
