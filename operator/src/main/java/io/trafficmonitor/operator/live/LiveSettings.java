package io.trafficmonitor.operator.live;

import io.trafficmonitor.operator.OperatorSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Where the live API listens and with which certificate: {@code trafficmonitor.operator.live.port}
 * (0: off) and {@code trafficmonitor.operator.live.tls-dir}, a directory with {@code tls.crt} and
 * {@code tls.key} (a kubernetes.io/tls Secret mounted by the chart, whose CA the APIService
 * trusts).
 */
public record LiveSettings(int port, Path tlsDir) {
  public static final String PREFIX = OperatorSettings.PREFIX + "live.";
  public static final int DEFAULT_PORT = 8443;
  public static final Path DEFAULT_TLS_DIR = Path.of("/etc/trafficmonitor/live-tls");

  public static LiveSettings fromConfig() {
    Config c = ConfigProvider.getConfig();
    return new LiveSettings(
        c.getOptionalValue(PREFIX + "port", Integer.class).orElse(DEFAULT_PORT),
        c.getOptionalValue(PREFIX + "tls-dir", String.class).map(Path::of).orElse(DEFAULT_TLS_DIR));
  }

  Path certFile() {
    return tlsDir.resolve("tls.crt");
  }

  Path keyFile() {
    return tlsDir.resolve("tls.key");
  }

  boolean certificatePresent() {
    return Files.isReadable(certFile()) && Files.isReadable(keyFile());
  }
}
