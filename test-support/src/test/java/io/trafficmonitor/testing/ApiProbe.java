package io.trafficmonitor.testing;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * What an in-cluster client does, run in a pod's network namespace ({@code nsenter --net}): asks
 * {@code https://10.0.0.1/} who it is with the pod's token, trusting only the pod's CA file (so the
 * serving certificate must name 10.0.0.1). {@code ApiProbe <ca.crt> <token file>}; prints the
 * SelfSubjectReview, exits 1 on an HTTP error.
 */
public final class ApiProbe {
  private ApiProbe() {}

  public static void main(String[] args) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    HttpRequest review =
        HttpRequest.newBuilder(
                URI.create("https://10.0.0.1/apis/authentication.k8s.io/v1/selfsubjectreviews"))
            .header("Authorization", "Bearer " + Files.readString(Path.of(args[1])).trim())
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}"))
            .build();
    HttpResponse<String> r =
        HttpClient.newBuilder()
            .sslContext(tls)
            .build()
            .send(review, HttpResponse.BodyHandlers.ofString());
    System.out.println(r.body());
    System.exit(r.statusCode() < 300 ? 0 : 1);
  }
}
