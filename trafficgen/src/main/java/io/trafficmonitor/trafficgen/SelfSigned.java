package io.trafficmonitor.trafficgen;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A key pair and a self-signed X.509 certificate for it, made in memory: an EC P-256 key (the
 * image's JRE holds jdk.crypto.ec) and a version 3 certificate, signed with ECDSA over SHA-256,
 * whose subject and issuer are {@code CN=<commonName>} and which is valid from an hour ago for a
 * year. The certificate is DER written here, about 300 bytes, so that the generator needs neither
 * the JDK's internal {@code sun.security.x509} nor a library; the JDK's CertificateFactory parses
 * it back, which checks the encoding.
 */
record SelfSigned(PrivateKey key, X509Certificate certificate) {

  private static final String EC_PUBLIC_KEY_CURVE = "secp256r1";
  private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
  private static final String COMMON_NAME = "2.5.4.3";
  private static final DateTimeFormatter UTC_TIME =
      DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

  static SelfSigned create(String commonName) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec(EC_PUBLIC_KEY_CURVE));
    KeyPair pair = g.generateKeyPair();
    Instant now = Instant.now();
    byte[] algorithm = sequence(oid(ECDSA_WITH_SHA256));
    byte[] name = sequence(set(sequence(oid(COMMON_NAME), utf8(commonName))));
    byte[] tbs =
        sequence(
            tlv(0xa0, integer(BigInteger.TWO)), // [0] version: v3
            integer(new BigInteger(63, new SecureRandom()).add(BigInteger.ONE)),
            algorithm,
            name, // issuer
            sequence(
                utcTime(now.minus(Duration.ofHours(1))), utcTime(now.plus(Duration.ofDays(365)))),
            name, // subject
            pair.getPublic().getEncoded()); // SubjectPublicKeyInfo, DER already
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(pair.getPrivate());
    s.update(tbs);
    byte[] der = sequence(tbs, algorithm, bitString(s.sign()));
    X509Certificate cert =
        (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
    return new SelfSigned(pair.getPrivate(), cert);
  }

  /** Tag, length (short or long form) and contents. */
  static byte[] tlv(int tag, byte[]... contents) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] c : contents) {
      body.writeBytes(c);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int n = body.size();
    if (n < 0x80) {
      out.write(n);
    } else {
      byte[] len = BigInteger.valueOf(n).toByteArray();
      int skip = len[0] == 0 ? 1 : 0;
      out.write(0x80 | (len.length - skip));
      out.write(len, skip, len.length - skip);
    }
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  private static byte[] sequence(byte[]... contents) {
    return tlv(0x30, contents);
  }

  private static byte[] set(byte[]... contents) {
    return tlv(0x31, contents);
  }

  private static byte[] integer(BigInteger v) {
    return tlv(0x02, v.toByteArray());
  }

  private static byte[] utf8(String s) {
    return tlv(0x0c, s.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] utcTime(Instant t) {
    return tlv(0x17, UTC_TIME.format(t).getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] bitString(byte[] bits) {
    byte[] v = new byte[bits.length + 1]; // first byte: no unused bits
    System.arraycopy(bits, 0, v, 1, bits.length);
    return tlv(0x03, v);
  }

  /** An OBJECT IDENTIFIER from its dotted form. */
  static byte[] oid(String dotted) {
    String[] arcs = dotted.split("\\.");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(Integer.parseInt(arcs[0]) * 40 + Integer.parseInt(arcs[1]));
    for (int i = 2; i < arcs.length; i++) {
      long arc = Long.parseLong(arcs[i]);
      int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(arc) + 6) / 7);
      for (int g = groups - 1; g >= 0; g--) {
        out.write((int) ((arc >>> (7 * g)) & 0x7f) | (g > 0 ? 0x80 : 0));
      }
    }
    return tlv(0x06, out.toByteArray());
  }
}
