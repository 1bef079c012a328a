package io.trafficmonitor.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Network interfaces of a network namespace, from {@code ip -json link show} run in it ({@code
 * nsenter --net=NS}). The JNI layer has no netlink listing yet, and /sys/class/net shows the
 * namespace of whoever mounted /sys, not the one the agent looks into; iproute2 asks netlink in the
 * namespace it runs in, so this works for any namespace.
 */
public final class Links {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One interface: its name and index, and for a veth the peer's index (link_index). */
  public record Link(String name, int ifindex, int peerIfindex, boolean peerElsewhere) {}

  private Links() {}

  /** The interfaces of the namespace at {@code netns} (empty: the agent's own). */
  public static List<Link> list(Optional<Path> netns) {
    return parse(run(netns, List.of("ip", "-json", "link", "show")));
  }

  /** The device the node routes {@code address} through, if any. */
  public static Optional<String> routeDevice(Optional<Path> netns, String address) {
    try {
      JsonNode routes = JSON.readTree(run(netns, List.of("ip", "-json", "route", "get", address)));
      for (JsonNode r : routes) {
        if (r.hasNonNull("dev")) {
          return Optional.of(r.get("dev").asText());
        }
      }
      return Optional.empty();
    } catch (IOException | IllegalStateException e) {
      return Optional.empty();
    }
  }

  static List<Link> parse(String json) {
    List<Link> out = new ArrayList<>();
    try {
      for (JsonNode l : JSON.readTree(json)) {
        out.add(
            new Link(
                l.path("ifname").asText(),
                l.path("ifindex").asInt(),
                l.path("link_index").asInt(0),
                l.has("link_netnsid")));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot parse ip -json link output: " + e.getMessage(), e);
    }
    return out;
  }

  /** Runs {@code cmd} (in {@code netns} when given) and returns its stdout; fails on error. */
  static String run(Optional<Path> netns, List<String> cmd) {
    List<String> full = new ArrayList<>();
    netns.ifPresent(ns -> full.addAll(List.of("nsenter", "--net=" + ns)));
    full.addAll(cmd);
    try {
      Process p = new ProcessBuilder(full).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", full) + " timed out");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", full) + " exited " + p.exitValue());
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", full) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
