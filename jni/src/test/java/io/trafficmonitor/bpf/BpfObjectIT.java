package io.trafficmonitor.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

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

  @Test
  void aClosedObjectsMapsAndProgramsAreNeverUsedAgain() {
    BpfObject o = BpfObject.openResource(TEST_DROP_NTH, "tm_closed").load();
    BpfMap m = o.map("dropper_stats");
    BpfMap.BatchReader reader = m.batchReader(2);
    BpfProgram p = o.program("tm_test_drop_nth");
    byte[] k0 = new byte[4];
    byte[] v = m.newValue();
    assertTrue(m.lookup(k0, v));
    assertEquals(2, reader.read((keys, values, n) -> {}));
    int oldFd = m.fd();
    o.close();
    assertTrue(o.isClosed());
    // the kernel hands out the lowest free fd numbers: this object's map and program very
    // likely get the closed object's numbers, which the old handles must not reach
    try (BpfObject other = BpfObject.openResource(TEST_DROP_NTH, "tm_reuse").load()) {
      BpfMap reused = other.map("dropper_stats");
      other.program("tm_test_drop_nth").fd();
      byte[] before = reused.newValue();
      assertTrue(reused.lookup(k0, before));
      byte[] ones = v.clone();
      Arrays.fill(ones, (byte) 1);
      List<Executable> uses =
          List.of(
              () -> m.lookup(k0, v),
              () -> m.update(k0, ones, BpfMap.ANY),
              () -> m.delete(k0),
              () -> m.lookupAndDelete(k0, v),
              () -> reader.read((keys, values, n) -> {}),
              m::fd,
              p::fd,
              () -> p.testRun(new byte[64], 1),
              p::stats,
              p::attach);
      for (Executable use : uses) {
        BpfException e = assertThrows(BpfException.class, use);
        assertEquals(Errno.EBADF, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
      }
      byte[] after = reused.newValue();
      assertTrue(reused.lookup(k0, after));
      assertArrayEquals(before, after, "map fd " + oldFd + " of the closed object was not used");
    }
  }

  @Test
  void readsRacingACloseEitherWorkOrSeeItClosed() throws Exception {
    BpfObject o = BpfObject.openResource(TEST_DROP_NTH, "tm_race").load();
    BpfMap m = o.map("dropper_stats");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Callable<Integer> reader =
          () -> {
            byte[] k = new byte[4];
            byte[] v = m.newValue();
            for (int reads = 0; ; reads++) {
              try {
                assertTrue(m.lookup(k, v));
              } catch (BpfException e) {
                assertEquals(Errno.EBADF, e.errno(), e.getMessage());
                return reads;
              }
            }
          };
      List<Future<Integer>> readers = List.of(pool.submit(reader), pool.submit(reader));
      Thread.sleep(50);
      o.close(); // waits for the lookups in flight, then frees the fds
      for (Future<Integer> r : readers) {
        assertTrue(r.get(10, TimeUnit.SECONDS) > 0);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aBatchVisitorMayCloseTheObject() {
    BpfObject o = BpfObject.openResource(TEST_DROP_NTH, "tm_visitor").load();
    BpfMap.BatchReader reader = o.map("dropper_stats").batchReader(1); // 2 entries: 2 batches
    BpfException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10),
            () -> assertThrows(BpfException.class, () -> reader.read((k, v, n) -> o.close())));
    assertEquals(Errno.EBADF, e.errno(), e.getMessage());
  }
}
