package io.trafficmonitor.operator.agents;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import javax.net.ssl.SSLContext;

/**
 * How the operator reaches the agents' port (its status pull, the live API's calls): each caller's
 * client connects within 2 s on two daemon threads, over HTTPS with the agents' TLS context ({@code
 * AgentSettings.agentTls}) or plain HTTP when there is none.
 */
public final class AgentHttp {
  private final String scheme;
  private final int port;
  private final HttpClient client;

  /** Agents on {@code port}, called on threads named {@code threads}, with {@code tls} or none. */
  public AgentHttp(int port, SSLContext tls, String threads) {
    this.port = port;
    this.scheme = tls == null ? "http" : "https";
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .executor(Executors.newFixedThreadPool(2, daemon(threads)));
    this.client = (tls == null ? b : b.sslContext(tls)).build();
  }

  public HttpClient client() {
    return client;
  }

  /** The agent at {@code address} (an IPv6 address in brackets), {@code path} on its port. */
  public URI uri(String address, String path) {
    String host = address.contains(":") ? "[" + address + "]" : address;
    return URI.create(scheme + "://" + host + ":" + port + path);
  }

  /** Daemon threads named {@code name}. */
  public static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
