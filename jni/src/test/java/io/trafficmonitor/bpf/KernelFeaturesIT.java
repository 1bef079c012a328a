package io.trafficmonitor.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.trafficmonitor.bpf.KernelFeatures.Feature;
import io.trafficmonitor.bpf.KernelFeatures.State;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The feature probes on the build machine's kernel (6.18, BTF, cgroup v2): everything the agent
 * uses is there; a BTF file or a mount that is not there reads as missing.
 */
class KernelFeaturesIT {
  @BeforeAll
  static void kernel() {
    KernelSupport.require();
  }

  @Test
  void everythingTheAgentUsesIsPresentHere() throws Exception {
    KernelFeatures k = KernelFeatures.probe();
    System.out.println("kernel features: " + k);
    for (Feature f : Feature.values()) {
      if (f != Feature.BPFFS) { // not mounted on every machine, and not needed
        assertEquals(State.PRESENT, k.check(f).state(), f + ": " + k.check(f));
      }
    }
    boolean bpffs = Files.readString(Path.of("/proc/self/mountinfo")).contains(" - bpf ");
    assertEquals(bpffs, k.has(Feature.BPFFS));
  }

  @Test
  void aMissingBtfFileAndMountsReadAsMissing() {
    KernelFeatures k = KernelFeatures.probe(Path.of("/nonexistent/vmlinux"), "");
    assertEquals(State.MISSING, k.check(Feature.BTF).state());
    assertTrue(k.check(Feature.BTF).detail().contains("/nonexistent/vmlinux"));
    assertEquals(State.MISSING, k.check(Feature.CGROUP2).state());
    assertEquals(State.MISSING, k.check(Feature.BPFFS).state());
    assertTrue(k.has(Feature.TCX));
    assertEquals(3, k.absent().size());
  }
}
