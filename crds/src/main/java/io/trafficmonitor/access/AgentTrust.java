package io.trafficmonitor.access;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * How the operator trusts the agents' HTTPS (its pull and the live API call each agent at its pod
 * address): the chain must lead to the chart's CA, and the certificate must name the agent metrics
 * Service ({@code serverName}). The certificate names the Service, not the pods' addresses, so the
 * address in the URI is not what is checked: this trust manager checks the name itself, and only
 * for the agents' client. Shared by the operator (its pull and the live API) and the tests that
 * call agents as it does. The CA file is read again when a certificate fails (a CA renewed in the
 * Secret reaches the agents' certificates and the mounted file alike) and at most every {@link
 * #RECHECK} otherwise (a CA withdrawn stops being trusted), without a restart.
 */
public final class AgentTrust extends X509ExtendedTrustManager {
  private static final int DNS_NAME = 2;

  /** How long a CA read is trusted before the file is looked at again. */
  public static final Duration RECHECK = Duration.ofMinutes(1);

  /** A CA as read: its file's bytes, the chain check they make, when they were read. */
  private record Trusted(byte[] pem, X509TrustManager chain, long readAt) {}

  private final Path ca;
  private final String serverName;
  private final long recheckNanos;
  private volatile Trusted trusted;

  private AgentTrust(Path ca, String serverName, Duration recheck) {
    this.ca = ca;
    this.serverName = serverName;
    this.recheckNanos = recheck.toNanos();
    try {
      byte[] pem = Files.readAllBytes(ca);
      this.trusted = new Trusted(pem, chainOf(pem), System.nanoTime());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot trust the agents' CA " + ca + ": " + e, e);
    }
  }

  /** A TLS context that trusts certificates of {@code ca} for {@code serverName}. */
  public static SSLContext context(Path ca, String serverName) {
    return context(ca, serverName, RECHECK);
  }

  /** The same, looking at {@code ca} again after {@code recheck}. */
  public static SSLContext context(Path ca, String serverName, Duration recheck) {
    AgentTrust trust = new AgentTrust(ca, serverName, recheck);
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trust}, null);
      // a session resumed skips the check: none outlives a look at the CA by more than a second
      context.getClientSessionContext().setSessionTimeout((int) Math.max(1, recheck.toSeconds()));
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a TLS context: " + e, e);
    }
  }

  private static X509TrustManager chainOf(byte[] pem) throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    int i = 0;
    for (var cert :
        CertificateFactory.getInstance("X.509")
            .generateCertificates(new ByteArrayInputStream(pem))) {
      store.setCertificateEntry("ca-" + i++, cert);
    }
    if (i == 0) {
      throw new CertificateException("no certificate in it");
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(store);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new CertificateException("no X.509 trust manager");
  }

  /**
   * The CA to check with: the one read, or the file's bytes again when {@code now} or {@link
   * #recheckNanos} has passed. A file that cannot be read or parsed (being replaced) leaves the CA
   * read before.
   */
  private Trusted current(boolean now) {
    Trusted t = trusted;
    long at = System.nanoTime();
    if (!now && at - t.readAt < recheckNanos) {
      return t;
    }
    try {
      byte[] pem = Files.readAllBytes(ca);
      t =
          Arrays.equals(pem, t.pem)
              ? new Trusted(t.pem, t.chain, at)
              : new Trusted(pem, chainOf(pem), at);
    } catch (IOException | GeneralSecurityException e) {
      t = new Trusted(t.pem, t.chain, at);
    }
    trusted = t;
    return t;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certs, String authType)
      throws CertificateException {
    Trusted t = current(false);
    try {
      t.chain.checkServerTrusted(certs, authType);
    } catch (CertificateException e) {
      Trusted again = current(true);
      if (again.pem == t.pem) {
        throw e;
      }
      again.chain.checkServerTrusted(certs, authType);
    }
    List<String> names = dnsNames(certs[0]);
    if (!names.contains(serverName)) {
      throw new CertificateException(
          "the agent's certificate names " + names + ", not " + serverName);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certs, String authType, Socket socket)
      throws CertificateException {
    checkServerTrusted(certs, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certs, String authType, SSLEngine engine)
      throws CertificateException {
    checkServerTrusted(certs, authType);
  }

  private static List<String> dnsNames(X509Certificate cert) throws CertificateParsingException {
    Collection<List<?>> sans = cert.getSubjectAlternativeNames();
    if (sans == null) {
      return List.of();
    }
    return sans.stream()
        .filter(san -> san.get(0) instanceof Integer type && type == DNS_NAME)
        .map(san -> (String) san.get(1))
        .toList();
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certs, String authType)
      throws CertificateException {
    throw new CertificateException("the agents' client trusts no clients");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certs, String authType, Socket socket)
      throws CertificateException {
    checkClientTrusted(certs, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certs, String authType, SSLEngine engine)
      throws CertificateException {
    checkClientTrusted(certs, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return current(false).chain.getAcceptedIssuers();
  }
}
