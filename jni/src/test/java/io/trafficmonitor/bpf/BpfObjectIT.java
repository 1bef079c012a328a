package io.trafficmonitor.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The low-level handles: errors carry the operation and errno, close is idempotent. */
class BpfObjectIT {
  /** A test-only TC program with globals and a map (src/test/bpf). */
  static final String TEST_DROP_NTH = "/io/trafficmonitor/bpf/testprogs/test_drop_nth.bpf.o";

  @BeforeAll
  static void require() {
    KernelSupport.require();
  }

  @Test
  void garbageElfIsRefusedWithOperationAndErrno() {
    BpfException e =
        assertThrows(BpfException.class, () -> BpfObject.open(new byte[] {1, 2, 3}, "junk"));
    assertEquals("bpf_object__open_mem", e.operation());
    assertTrue(e.errno() > 0, e.getMessage());
  }

  @Test
  void unknownNamesAreEnoent() {
    try (BpfObject o = BpfObject.openResource(TEST_DROP_NTH, "tm_names")) {
      BpfException e = assertThrows(BpfException.class, () -> o.setMaxEntries("nope", 1));
      assertEquals(2, e.errno());
      e = assertThrows(BpfException.class, () -> o.setGlobal("nope", new byte[1]));
      assertEquals(2, e.errno());
      e = assertThrows(BpfException.class, () -> o.setGlobal("cfg_port", new byte[4]));
      assertEquals(22, e.errno(), "size mismatch");
      o.load();
      assertThrows(BpfException.class, () -> o.program("nope"));
      o.close();
      o.close();
      assertThrows(BpfException.class, () -> o.map("dropper_stats"));
    }
  }
}
