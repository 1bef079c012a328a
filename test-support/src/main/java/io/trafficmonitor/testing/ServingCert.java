package io.trafficmonitor.testing;

import java.nio.file.Path;
import java.util.List;

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
}
