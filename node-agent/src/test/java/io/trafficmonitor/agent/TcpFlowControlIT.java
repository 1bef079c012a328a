package io.trafficmonitor.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trafficmonitor.api.v1alpha1.NodeStatus;
import io.trafficmonitor.api.v1alpha1.TcpFlowControl;
import io.trafficmonitor.testing.Sh;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TCP flow control against the kernel's own view ({@code ss -ti} in the pods' namespaces): a pod
 * that stops reading on a small receive buffer makes its window zero (a local zero-window event at
 * it) and its sender wait (a peer zero-window event and a window-limited event at the sender); the
 * window scales counted per pod are the ones {@code ss} shows; a pod whose namespace has window
 * scaling off ({@code net.ipv4.tcp_window_scaling=0}, per namespace) makes connections counted as
 * scale "none" at both ends.
 */
class TcpFlowControlIT {
  static final Pattern WSCALE = Pattern.compile("wscale:(\\d+),(\\d+)");
  static final Pattern RWND_LIMITED = Pattern.compile("rwnd_limited:(\\d+)ms");

  @RegisterExtension static final AgentOnTestNode site = new AgentOnTestNode("tm-wnd-", "tmwn");

  static TestNode.TestPod a;
  static TestNode.TestPod b;
  static TestNode.TestPod c;
  static TestNode.TestPod d;
  static PrometheusMeterRegistry registry;
  static Agent agent;

  @BeforeAll
  static void setUp() throws Exception {
    a = site.addPod("a", 2, "web");
    b = site.addPod("b", 3, "web");
    c = site.addPod("c", 4, "web");
    d = site.addPod("d", 5, "web");
    Sh.ok("ip netns exec " + c.netns + " sysctl -qw net.ipv4.tcp_window_scaling=0");
    site.client().resource(Cluster.monitor(site.namespace(), "web", "web", "100ms")).create();
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    agent = site.startAgent(registry);
    Wait.until(
        "the four pods attached",
        Duration.ofSeconds(30),
        () -> {
          try {
            NodeStatus st = agent.writeStatusNow();
            return st != null && st.getPods() != null && st.getPods() == 4;
          } catch (Exception e) {
            return false;
          }
        });
  }

  static Map<String, String> pod(TestNode.TestPod p, String... more) {
    Map<String, String> m =
        new HashMap<>(Map.of("pod_namespace", site.namespace(), "pod_name", p.name));
    for (int i = 0; i < more.length; i += 2) {
      m.put(more[i], more[i + 1]);
    }
    return m;
  }

  /** {@code ss -tin} in the pod's namespace, for connections to or from port. */
  static String ss(TestNode.TestPod p, int port) {
    return Sh.ok(
        "ip netns exec "
            + p.netns
            + " ss -tin '( sport = :"
            + port
            + " or dport = :"
            + port
            + " )'");
  }

  @Test
  void aStalledReaderMakesZeroWindowsAtBothEndsAndScalesAreThoseTheKernelNegotiated()
      throws Exception {
    int port = 7400;
    Process stall = b.start("stall", b.ip, Integer.toString(port), "4096", "3000");
    Process flood = null;
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(stall.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("READY");
      int bytes = 2_000_000;
      flood = a.start("flood", a.ip, b.ip, Integer.toString(port), Integer.toString(bytes));
      Thread.sleep(2000); // b reads nothing for 3 s: its window is zero, a waits
      String ssA = ss(a, port);
      String ssB = ss(b, port);
      System.out.println("ss in a:\n" + ssA + "\nss in b:\n" + ssB);
      assertThat(flood.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(flood.exitValue()).as(new String(flood.getInputStream().readAllBytes())).isZero();
      assertThat(Long.parseLong(out.readLine().trim())).isEqualTo(bytes);
      Matcher wa = WSCALE.matcher(ssA);
      Matcher wb = WSCALE.matcher(ssB);
      assertThat(wa.find()).as("ss in a shows wscale: %s", ssA).isTrue();
      assertThat(wb.find()).as("ss in b shows wscale: %s", ssB).isTrue();
      Matcher limited = RWND_LIMITED.matcher(ssA);
      assertThat(limited.find()).as("the kernel saw a rwnd-limited: %s", ssA).isTrue();

      agent.collectNow();
      NodeStatus st = agent.writeStatusNow();
      String m = registry.scrape();
      double peerA =
          Scrape.sum(m, "trafficmonitor_tcp_zero_window_events_total", pod(a, "side", "peer"));
      double localB =
          Scrape.sum(m, "trafficmonitor_tcp_zero_window_events_total", pod(b, "side", "local"));
      double limitedA = Scrape.sum(m, "trafficmonitor_tcp_window_limited_events_total", pod(a));
      System.out.printf(
          "zero window peer at a %.0f, local at b %.0f, window limited at a %.0f (kernel: %sms);"
              + " status %s%n",
          peerA, localB, limitedA, limited.group(1), describe(st.getFlowControl()));
      assertThat(peerA).isPositive();
      assertThat(localB).isPositive();
      assertThat(limitedA).isPositive();
      // the receiver never sends data: its peer's window is never zero, it is never limited
      assertThat(
              Scrape.sum(m, "trafficmonitor_tcp_zero_window_events_total", pod(b, "side", "peer")))
          .isZero();
      assertThat(Scrape.sum(m, "trafficmonitor_tcp_window_limited_events_total", pod(b))).isZero();
      // one connection each; the pod's own receive scale is the second figure of ss's wscale
      assertThat(
              Scrape.sum(
                  m,
                  "trafficmonitor_tcp_connections_window_scale_total",
                  pod(a, "scale", wa.group(2))))
          .isEqualTo(1);
      assertThat(
              Scrape.sum(
                  m,
                  "trafficmonitor_tcp_connections_window_scale_total",
                  pod(b, "scale", wb.group(2))))
          .isEqualTo(1);
      assertThat(wa.group(1)).as("a's peer scale is b's own").isEqualTo(wb.group(2));
      TcpFlowControl fc = st.getFlowControl();
      assertThat(fc.getZeroWindowPeer()).isEqualTo((long) peerA);
      assertThat(fc.getZeroWindowLocal()).isEqualTo((long) localB);
      assertThat(fc.getWindowLimited()).isEqualTo((long) limitedA);
    } finally {
      stall.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      if (flood != null) {
        flood.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aNamespaceWithoutWindowScalingMakesConnectionsOfScaleNone() throws Exception {
    assertThat(Sh.ok("ip netns exec " + c.netns + " sysctl -n net.ipv4.tcp_window_scaling").trim())
        .isEqualTo("0");
    NodeStatus before = agent.writeStatusNow();
    long none0 =
        before.getFlowControl() == null
            ? 0
            : before.getFlowControl().getConnectionsWithoutWindowScaling();
    assertThat(c.tcpConnections(d, 7401, 2, 10_000, 10)).isEqualTo(20_000);
    agent.collectNow();
    NodeStatus st = agent.writeStatusNow();
    String m = registry.scrape();
    assertThat(
            Scrape.sum(
                m, "trafficmonitor_tcp_connections_window_scale_total", pod(c, "scale", "none")))
        .isEqualTo(2);
    assertThat(
            Scrape.sum(
                m, "trafficmonitor_tcp_connections_window_scale_total", pod(d, "scale", "none")))
        .isEqualTo(2);
    assertThat(
            Scrape.has(
                m, "trafficmonitor_tcp_connections_window_scale_total", pod(c, "scale", "0")))
        .isFalse();
    assertThat(st.getFlowControl().getConnectionsWithoutWindowScaling() - none0).isEqualTo(4);
  }

  static String describe(TcpFlowControl f) {
    return f == null
        ? "none"
        : String.format(
            "zeroWindowPeer=%d zeroWindowLocal=%d windowLimited=%d withoutScaling=%d",
            f.getZeroWindowPeer(),
            f.getZeroWindowLocal(),
            f.getWindowLimited(),
            f.getConnectionsWithoutWindowScaling());
  }
}
