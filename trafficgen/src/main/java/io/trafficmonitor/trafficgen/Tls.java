package io.trafficmonitor.trafficgen;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS for {@code --protocol https}. The server makes a key and a self-signed certificate at start
 * ({@link SelfSigned}), in memory and never written anywhere. Nothing can vouch for such a
 * certificate, so a client accepts it only when told to with {@code --insecure}: the traffic is
 * encrypted but the server is not authenticated. Without {@code --insecure} the client verifies the
 * server as any HTTPS client does (the JRE's trust store and the target's host name), which suits a
 * real HTTPS server.
 */
final class Tls {
  private Tls() {}

  /** The server's sockets, with a certificate made now; says its fingerprint on stderr. */
  static SSLServerSocketFactory serverSockets(boolean quiet) throws GeneralSecurityException {
    SelfSigned id = SelfSigned.create("trafficgen");
    char[] password = "in memory only".toCharArray();
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    store.setKeyEntry("trafficgen", id.key(), password, new X509Certificate[] {id.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, password);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    if (!quiet) {
      byte[] sha256 = MessageDigest.getInstance("SHA-256").digest(id.certificate().getEncoded());
      System.err.println(
          "trafficgen: https with a self-signed certificate made now, "
              + id.certificate().getSubjectX500Principal()
              + ", SHA-256 "
              + HexFormat.ofDelimiter(":").withUpperCase().formatHex(sha256));
    }
    return ctx.getServerSocketFactory();
  }

  /** The client's TLS: the JRE's trust, or with {@code insecure} any certificate. */
  static SSLContext clientContext(boolean insecure) throws GeneralSecurityException {
    if (!insecure) {
      return SSLContext.getDefault();
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new TrustAnyone()}, new SecureRandom());
    return ctx;
  }

  /** TLS over {@code plain}, a connection to the target, with the handshake done. */
  static SSLSocket connect(Socket plain, Options o, SSLContext ctx) throws IOException {
    SSLSocket s =
        (SSLSocket)
            ctx.getSocketFactory()
                .createSocket(plain, o.address().getHostString(), o.address().getPort(), true);
    if (!o.insecure()) {
      SSLParameters p = s.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the target
      s.setSSLParameters(p);
    }
    try {
      s.startHandshake();
    } catch (IOException e) {
      s.close();
      if (!(e instanceof SSLHandshakeException)) {
        throw e;
      }
      throw new IOException(
          "TLS handshake with "
              + o.address().getHostString()
              + " failed ("
              + e.getMessage()
              + ")"
              + (o.insecure() ? "" : "; a trafficgen server's certificate needs --insecure"),
          e);
    }
    return s;
  }

  /** Accepts every certificate: what --insecure asks for. */
  private static final class TrustAnyone extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
