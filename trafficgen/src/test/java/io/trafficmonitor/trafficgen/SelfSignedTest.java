package io.trafficmonitor.trafficgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SelfSignedTest {

  @Test
  void aCertificateTheJdkReadsAndVerifies() throws Exception {
    SelfSigned id = SelfSigned.create("trafficgen");
    X509Certificate cert = id.certificate();
    assertThat(cert.getVersion()).isEqualTo(3);
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=trafficgen");
    assertThat(cert.getIssuerX500Principal()).isEqualTo(cert.getSubjectX500Principal());
    assertThat(cert.getSigAlgName()).isEqualTo("SHA256withECDSA");
    assertThat(cert.getSerialNumber().signum()).isPositive();
    cert.checkValidity();
    cert.verify(cert.getPublicKey()); // self-signed: its own key signed it
    assertThat(id.key().getAlgorithm()).isEqualTo("EC");
  }

  @Test
  void derEncoding() {
    // ecdsa-with-SHA256, as RFC 5758 spells it
    assertThat(HexFormat.of().formatHex(SelfSigned.oid("1.2.840.10045.4.3.2")))
        .isEqualTo("06082a8648ce3d040302");
    assertThat(SelfSigned.tlv(0x04, new byte[127])).startsWith(0x04, 127);
    assertThat(SelfSigned.tlv(0x04, new byte[128])).startsWith(0x04, 0x81, 0x80);
    assertThat(SelfSigned.tlv(0x04, new byte[300])).startsWith(0x04, 0x82, 0x01, 0x2c);
  }
}
