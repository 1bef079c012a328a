package io.trafficmonitor.access;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
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
 * How the operator trusts the agents' HTTPS (its pull and the live API call each agent at its pod
 * address): the chain must lead to the chart's CA, and the certificate must name the agent metrics
 * Service ({@code serverName}). The certificate names the Service, not the pods' addresses, so the
 * address in the URI is not what is checked: this trust manager checks the name itself, and only
 * for the agents' client. Shared by the operator (its pull and the live API) and the tests that
 * call agents as it does.
 */
public final class AgentTrust extends X509ExtendedTrustManager {
  private static final int DNS_NAME = 2;

  private final X509TrustManager chain;
  private final String serverName;

  AgentTrust(X509TrustManager chain, String serverName) {
    this.chain = chain;
    this.serverName = serverName;
  }

  /** A TLS context that trusts certificates of {@code ca} for {@code serverName}. */
  public static SSLContext context(Path ca, String serverName) {
    try (InputStream in = Files.newInputStream(ca)) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, cert);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(store);
      X509TrustManager chain = null;
      for (TrustManager tm : tmf.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          chain = x;
        }
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new AgentTrust(chain, serverName)}, null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot trust the agents' CA " + ca + ": " + e, e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certs, String authType)
      throws CertificateException {
    chain.checkServerTrusted(certs, authType);
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
    return chain.getAcceptedIssuers();
  }
}
