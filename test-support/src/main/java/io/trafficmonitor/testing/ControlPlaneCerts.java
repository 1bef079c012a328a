package io.trafficmonitor.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * The certificates of a local control plane: a CA, the API server's serving certificate for
 * 127.0.0.1, localhost and the in-cluster service names, a client certificate in {@code
 * system:masters}, and the service-account signing key. All are written as PEM files.
 */
final class ControlPlaneCerts {
  private static final SecureRandom RANDOM = new SecureRandom();

  final Path caCert;
  final Path serverCert;
  final Path serverKey;
  final Path clientCert;
  final Path clientKey;
  final Path serviceAccountKey;
  final Path serviceAccountPub;

  /** The aggregation layer's: the CA aggregated APIs trust, and the API server's client cert. */
  final Path frontProxyCa;

  final Path proxyClientCert;
  final Path proxyClientKey;

  /** The proxy client certificate's common name ({@code --requestheader-allowed-names}). */
  static final String PROXY_CLIENT_NAME = "front-proxy-client";

  private ControlPlaneCerts(Path dir) {
    caCert = dir.resolve("ca.crt");
    serverCert = dir.resolve("apiserver.crt");
    serverKey = dir.resolve("apiserver.key");
    clientCert = dir.resolve("admin.crt");
    clientKey = dir.resolve("admin.key");
    serviceAccountKey = dir.resolve("sa.key");
    serviceAccountPub = dir.resolve("sa.pub");
    frontProxyCa = dir.resolve("front-proxy-ca.crt");
    proxyClientCert = dir.resolve("front-proxy-client.crt");
    proxyClientKey = dir.resolve("front-proxy-client.key");
  }

  static ControlPlaneCerts generate(Path dir) {
    return generate(dir, List.of());
  }

  /**
   * As {@link #generate(Path)}, with {@code extraIps} added to the serving certificate's names (the
   * address that {@link KubeletNodes} reach the API server at).
   */
  static ControlPlaneCerts generate(Path dir, List<String> extraIps) {
    ControlPlaneCerts certs = new ControlPlaneCerts(dir);
    try {
      Files.createDirectories(dir);
      KeyPair ca = rsa();
      X500Name caName = new X500Name("CN=trafficmonitor-local-ca");
      X509Certificate caCert = sign(caName, caName, ca, ca, true, null, null);

      KeyPair server = rsa();
      List<GeneralName> names = new ArrayList<>();
      for (String ip : concat(List.of("127.0.0.1", "10.0.0.1"), extraIps)) {
        names.add(new GeneralName(GeneralName.iPAddress, ip));
      }
      for (String dns :
          List.of(
              "localhost",
              "kubernetes",
              "kubernetes.default",
              "kubernetes.default.svc",
              "kubernetes.default.svc.cluster.local")) {
        names.add(new GeneralName(GeneralName.dNSName, dns));
      }
      GeneralNames sans = new GeneralNames(names.toArray(GeneralName[]::new));
      X509Certificate serverCert =
          sign(
              new X500Name("CN=kube-apiserver"),
              caName,
              server,
              ca,
              false,
              KeyPurposeId.id_kp_serverAuth,
              sans);

      KeyPair client = rsa();
      X509Certificate clientCert =
          sign(
              new X500Name("O=system:masters,CN=trafficmonitor-admin"),
              caName,
              client,
              ca,
              false,
              KeyPurposeId.id_kp_clientAuth,
              null);

      KeyPair proxyCa = rsa();
      X500Name proxyCaName = new X500Name("CN=trafficmonitor-local-front-proxy-ca");
      X509Certificate proxyCaCert =
          sign(proxyCaName, proxyCaName, proxyCa, proxyCa, true, null, null);
      KeyPair proxyClient = rsa();
      X509Certificate proxyClientCert =
          sign(
              new X500Name("CN=" + PROXY_CLIENT_NAME),
              proxyCaName,
              proxyClient,
              proxyCa,
              false,
              KeyPurposeId.id_kp_clientAuth,
              null);

      KeyPair sa = rsa();
      write(certs.frontProxyCa, proxyCaCert);
      write(certs.proxyClientCert, proxyClientCert);
      write(certs.proxyClientKey, proxyClient.getPrivate());
      write(certs.caCert, caCert);
      write(certs.serverCert, serverCert);
      write(certs.serverKey, server.getPrivate());
      write(certs.clientCert, clientCert);
      write(certs.clientKey, client.getPrivate());
      write(certs.serviceAccountKey, sa.getPrivate());
      write(certs.serviceAccountPub, sa.getPublic());
      return certs;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot generate control-plane certificates", e);
    }
  }

  /**
   * A CA and a serving certificate it signs for {@code dnsNames} and {@code ips}, written to {@code
   * dir} as ca.crt, tls.crt and tls.key (the files of a kubernetes.io/tls Secret).
   */
  static ServingCert serving(
      Path dir, String commonName, List<String> dnsNames, List<String> ips, ServingCert.Key key) {
    try {
      Files.createDirectories(dir);
      KeyPair ca = key == ServingCert.Key.ECDSA ? ec() : rsa();
      X500Name caName = new X500Name("CN=" + commonName + "-ca");
      X509Certificate caCert = sign(caName, caName, ca, ca, true, null, null);
      List<GeneralName> names = new ArrayList<>();
      dnsNames.forEach(d -> names.add(new GeneralName(GeneralName.dNSName, d)));
      ips.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
      KeyPair server = key == ServingCert.Key.ECDSA ? ec() : rsa();
      X509Certificate cert =
          sign(
              new X500Name("CN=" + commonName),
              caName,
              server,
              ca,
              false,
              KeyPurposeId.id_kp_serverAuth,
              new GeneralNames(names.toArray(GeneralName[]::new)));
      ServingCert out =
          new ServingCert(dir.resolve("ca.crt"), dir.resolve("tls.crt"), dir.resolve("tls.key"));
      write(out.ca(), caCert);
      write(out.cert(), cert);
      if (key == ServingCert.Key.ECDSA) {
        writeEcKey(out.key(), server);
      } else {
        write(out.key(), server.getPrivate());
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot generate a serving certificate", e);
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  static String pem(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048, RANDOM);
    return gen.generateKeyPair();
  }

  /** P-256, as Helm's {@code genPrivateKey "ecdsa"} (the chart's serving certificates). */
  private static KeyPair ec() throws GeneralSecurityException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return gen.generateKeyPair();
  }

  private static X509Certificate sign(
      X500Name subject,
      X500Name issuer,
      KeyPair subjectKeys,
      KeyPair issuerKeys,
      boolean ca,
      KeyPurposeId purpose,
      GeneralNames sans)
      throws IOException, GeneralSecurityException, OperatorCreationException {
    Instant now = Instant.now();
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            issuer,
            new BigInteger(64, RANDOM),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(Duration.ofDays(7))),
            subject,
            subjectKeys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    if (ca) {
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
    } else {
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
    }
    if (sans != null) {
      b.addExtension(Extension.subjectAlternativeName, false, sans);
    }
    String algorithm =
        "EC".equals(issuerKeys.getPrivate().getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
    var signer = new JcaContentSignerBuilder(algorithm).build(issuerKeys.getPrivate());
    return new JcaX509CertificateConverter().getCertificate(b.build(signer));
  }

  /**
   * An EC key as Helm writes it: SEC1 ({@code EC PRIVATE KEY}) with the curve's name and the public
   * point (the JDK's encoding, written as it is, leaves both out, and neither OpenSSL nor Vert.x
   * reads it).
   */
  private static void writeEcKey(Path file, KeyPair keys) throws IOException {
    // BouncyCastle's SEC1 structure, not the JDK's key interface imported here
    var sec1 =
        new org.bouncycastle.asn1.sec.ECPrivateKey(
            256,
            ((ECPrivateKey) keys.getPrivate()).getS(),
            new DERBitString(
                SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded())
                    .getPublicKeyData()
                    .getBytes()),
            SECObjectIdentifiers.secp256r1);
    write(file, new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
  }

  private static void write(Path file, Object pemObject) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(pemObject);
    }
    Files.writeString(file, out.toString());
  }
}
