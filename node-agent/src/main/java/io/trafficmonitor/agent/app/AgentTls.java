package io.trafficmonitor.agent.app;

import io.trafficmonitor.api.agent.AgentEnvironment;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * HTTPS on the agent's port when the DaemonSet names a serving certificate ({@link
 * AgentEnvironment#TLS_CERT_FILE}, {@link AgentEnvironment#TLS_KEY_FILE}): Quarkus' HTTPS server
 * takes the port and plain HTTP is switched off, so a token never crosses the network in clear. The
 * files are read again every {@link #RELOAD_PERIOD}, for a renewed Secret. Without the variables
 * nothing is set and the agent serves plain HTTP (the tests' local agents). A config source, not
 * application.properties, because whether plain HTTP is off depends on the certificate.
 */
public final class AgentTls implements ConfigSource {
  static final String RELOAD_PERIOD = "1h";

  private final Map<String, String> properties;

  public AgentTls() {
    this(System.getenv());
  }

  AgentTls(Map<String, String> env) {
    String cert = env.get(AgentEnvironment.TLS_CERT_FILE);
    String key = env.get(AgentEnvironment.TLS_KEY_FILE);
    if (cert == null || cert.isBlank() || key == null || key.isBlank()) {
      properties = Map.of();
      return;
    }
    properties =
        Map.of(
            "quarkus.http.ssl.certificate.files", cert,
            "quarkus.http.ssl.certificate.key-files", key,
            "quarkus.http.ssl.certificate.reload-period", RELOAD_PERIOD,
            "quarkus.http.ssl-port", "${quarkus.http.port}",
            "quarkus.http.insecure-requests", "disabled");
  }

  @Override
  public Map<String, String> getProperties() {
    return properties;
  }

  @Override
  public Set<String> getPropertyNames() {
    return properties.keySet();
  }

  @Override
  public String getValue(String name) {
    return properties.get(name);
  }

  @Override
  public String getName() {
    return "agent-tls";
  }

  /** Above application.properties (250), below the environment (300) and system properties. */
  @Override
  public int getOrdinal() {
    return 270;
  }
}
