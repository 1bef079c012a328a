package io.trafficmonitor.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.trafficmonitor.testing.Sh;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pins of the low-level layer: a pinned map outlives its object and is reused by the next one only
 * when it has the same shape; a pinned link outlives its fd until unpinned; pins that are not what
 * is expected give readable errors.
 */
class PinIT {
  private static final String EMPTY_TP = "/io/trafficmonitor/bpf/testprogs/test_empty_tp.bpf.o";
  private static final String MAP = "dropper_stats";
  private static final AtomicInteger DIRS = new AtomicInteger();

  private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
  private Path dir;

  @BeforeAll
  static void require() {
    KernelSupport.require();
  }

  @BeforeEach
  void pinDir() {
    dir =
        Path.of(
            "/sys/fs/bpf",
            "tm-it-pin-" + ProcessHandle.current().pid() + "-" + DIRS.incrementAndGet());
  }

  @AfterEach
  void cleanUp() throws Exception {
    while (!toClose.isEmpty()) {
      try {
        toClose.pop().close();
      } catch (RuntimeException e) {
        // keep cleaning
      }
    }
    PinTrees.remove(dir);
  }

  private BpfObject dropNth(String name) {
    BpfObject o = BpfObject.openResource(BpfObjectIT.TEST_DROP_NTH, name);
    toClose.push(o);
    return o;
  }

  private static byte[] u64(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
  }

  @Test
  void aPinnedMapOutlivesItsObjectAndIsReused() {
    Path pin = dir.resolve("maps").resolve(MAP);
    BpfObject first = dropNth("tm_pin_a").load();
    BpfMap m = first.map(MAP);
    m.update(new byte[4], u64(42), BpfMap.ANY);
    m.pin(pin);
    int id = m.id();
    first.close();
    assertEquals(Pins.Type.MAP, Pins.typeOf(pin));

    BpfObject second = dropNth("tm_pin_b");
    assertNull(second.pinnedMapMismatch(MAP, pin));
    second.reusePinnedMap(MAP, pin).load();
    BpfMap reused = second.map(MAP);
    assertEquals(id, reused.id(), "the same kernel map");
    byte[] v = reused.newValue();
    assertTrue(reused.lookup(new byte[4], v));
    assertEquals(42, ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong());

    assertTrue(Pins.unpin(pin));
    assertFalse(Pins.unpin(pin), "unpinning twice");
  }

  @Test
  void aMapOfAnotherShapeOrNoneIsRefusedWithTheReason() {
    Path pin = dir.resolve(MAP);
    BpfObject other = dropNth("tm_pin_c");
    BpfException e = assertThrows(BpfException.class, () -> other.reusePinnedMap(MAP, pin));
    assertEquals(Errno.ENOENT, e.errno(), e.getMessage());
    assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
    assertTrue(e.getMessage().contains(pin.toString()), e.getMessage());
    assertEquals("nothing pinned at " + pin, other.pinnedMapMismatch(MAP, pin));

    BpfObject first = dropNth("tm_pin_d").load();
    first.map(MAP).pin(pin);
    other.setMaxEntries(MAP, 3);
    e = assertThrows(BpfException.class, () -> other.reusePinnedMap(MAP, pin));
    assertEquals(Errno.EINVAL, e.errno());
    assertTrue(e.getMessage().contains("max_entries 2 pinned, 3 wanted"), e.getMessage());
    assertTrue(
        other.pinnedMapMismatch(MAP, pin).endsWith("max_entries 2 pinned, 3 wanted"),
        other.pinnedMapMismatch(MAP, pin));
    other.setMapType(MAP, BpfMap.TYPE_PERCPU_ARRAY);
    assertTrue(
        other.pinnedMapMismatch(MAP, pin).contains("type array pinned, percpu_array wanted"),
        other.pinnedMapMismatch(MAP, pin));

    e = assertThrows(BpfException.class, () -> other.reusePinnedMap(".rodata", pin));
    assertEquals(Errno.EINVAL, e.errno());
    assertTrue(e.getMessage().contains("internal map"), e.getMessage());
    other.setMaxEntries(MAP, 2).setMapType(MAP, BpfMap.TYPE_ARRAY).load(); // still loads fresh
  }

  @Test
  void aPinnedLinkOutlivesItsFdUntilUnpinned() throws Exception {
    BpfObject o = BpfObject.openResource(EMPTY_TP, "tm_pin_tp").load();
    toClose.push(o);
    BpfProgram p = o.program("tm_empty_sock_state");
    BpfLink link = p.attach();
    Path pin = dir.resolve("links").resolve("sock_state");
    link.pin(pin);
    assertEquals(pin, link.pinPath());
    BpfException twice = assertThrows(BpfException.class, () -> link.pin(dir.resolve("again")));
    assertEquals(Errno.EEXIST, twice.errno());
    int linkId = link.info().id();
    assertEquals(p.stats().id(), link.info().programId());
    assertEquals(BpfLink.Kind.LINK, link.kind());
    o.close(); // closes the link with it: the pin keeps it
    assertTrue(link.isClosed());
    assertTrue(linkExists(linkId), "pinned link alive after close");
    assertEquals(Pins.Type.LINK, Pins.typeOf(pin));

    BpfException e =
        assertThrows(BpfException.class, () -> BpfLink.openPinned(pin, BpfLink.Kind.TCX, "x"));
    assertTrue(e.getMessage().contains("not a TCX link"), e.getMessage());
    BpfLink reopened = BpfLink.openPinned(pin, BpfLink.Kind.LINK, "sock_state");
    toClose.push(reopened);
    assertEquals(linkId, reopened.info().id());
    reopened.close();
    assertTrue(linkExists(linkId), "closing a reopened pinned link keeps it");

    reopened = BpfLink.openPinned(pin, BpfLink.Kind.LINK, "sock_state");
    reopened.unpin();
    assertFalse(Files.exists(pin));
    assertTrue(linkExists(linkId), "held by the fd");
    reopened.close();
    awaitGone(linkId);
  }

  @Test
  void aPinThatIsNotWhatIsExpectedIsAReadableError() throws Exception {
    BpfObject o = BpfObject.openResource(EMPTY_TP, "tm_pin_tp2").load();
    toClose.push(o);
    BpfLink link = o.program("tm_empty_tcp_probe").attach();
    Path linkPin = dir.resolve(MAP);
    link.pin(linkPin);
    BpfObject other = dropNth("tm_pin_e");
    BpfException e = assertThrows(BpfException.class, () -> other.reusePinnedMap(MAP, linkPin));
    assertTrue(e.getMessage().contains("holds a BPF link, not a map"), e.getMessage());

    Path sub = dir.resolve("sub");
    Files.createDirectories(sub);
    e = assertThrows(BpfException.class, () -> other.pinnedMapMismatch(MAP, sub));
    assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
    e = assertThrows(BpfException.class, () -> BpfLink.openPinned(sub, BpfLink.Kind.LINK, "x"));
    assertTrue(e.getMessage().contains("is a directory"), e.getMessage());

    Path tmp = Files.createTempDirectory("tm-it-pin");
    try {
      Path file = Files.writeString(tmp.resolve(MAP), "not a map");
      e = assertThrows(BpfException.class, () -> other.reusePinnedMap(MAP, file));
      assertTrue(e.getMessage().contains("not on a bpffs mount"), e.getMessage());
      BpfObject loaded = dropNth("tm_pin_f").load();
      Path elsewhere = tmp.resolve("new").resolve(MAP);
      e = assertThrows(BpfException.class, () -> loaded.map(MAP).pin(elsewhere));
      assertTrue(e.getMessage().contains("not on a bpffs mount"), e.getMessage());
      assertFalse(Files.exists(elsewhere.getParent()), "no directory made off bpffs");
    } finally {
      PinTrees.remove(tmp);
    }
  }

  private static boolean linkExists(int id) {
    return Sh.run(List.of("bpftool", "link", "show", "id", Integer.toString(id))).succeeded();
  }

  /** Links are freed asynchronously once the last reference is gone: wait up to 5 s. */
  private static void awaitGone(int linkId) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (linkExists(linkId) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertFalse(linkExists(linkId), "link " + linkId + " gone");
  }
}
