package io.trafficmonitor.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** rtnetlink requests and reply parsing on hand-made messages (host byte order, as the kernel). */
class RtnlTest {
  /** Builds one message: header, fixed part, then attributes. */
  static final class Msg {
    final ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.nativeOrder());

    Msg(int type, int flags) {
      b.putInt(0).putShort((short) type).putShort((short) flags).putInt(7).putInt(0);
    }

    Msg fixed(byte[] bytes) {
      b.put(bytes);
      return this;
    }

    Msg u32(int type, int v) {
      b.putShort((short) 8).putShort((short) type).putInt(v);
      return this;
    }

    Msg str(int type, String s) {
      return raw(type, (s + "\0").getBytes(StandardCharsets.UTF_8));
    }

    Msg raw(int type, byte[] v) {
      b.putShort((short) (4 + v.length)).putShort((short) type).put(v);
      while (b.position() % 4 != 0) {
        b.put((byte) 0);
      }
      return this;
    }

    byte[] bytes() {
      b.putInt(0, b.position());
      byte[] out = new byte[b.position()];
      b.get(0, out);
      return out;
    }
  }

  static byte[] ifinfomsg(int ifindex) {
    return ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putInt(4, ifindex).array();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void linksWithKindPeerAndPeerNamespace() {
    byte[] linkinfo = new Msg(0, 0).str(Rtnl.IFLA_INFO_KIND, "veth").bytes();
    byte[] nested = Arrays.copyOfRange(linkinfo, 16, linkinfo.length);
    byte[] reply =
        concat(
            new Msg(Rtnl.RTM_NEWLINK, 2).fixed(ifinfomsg(1)).str(Rtnl.IFLA_IFNAME, "lo").bytes(),
            new Msg(Rtnl.RTM_NEWLINK, 2)
                .fixed(ifinfomsg(7))
                .str(Rtnl.IFLA_IFNAME, "veth1a2b")
                .u32(Rtnl.IFLA_LINK, 2)
                .u32(Rtnl.IFLA_MASTER, 4)
                .raw(Rtnl.IFLA_LINKINFO | 0x8000, nested) // NLA_F_NESTED
                .u32(Rtnl.IFLA_LINK_NETNSID, 3)
                .bytes(),
            new Msg(3 /* NLMSG_DONE: not ours to parse */, 2).fixed(new byte[4]).bytes());
    assertEquals(
        List.of(
            new Netlink.Link("lo", 1, "", 0, false, -1, 0),
            new Netlink.Link("veth1a2b", 7, "veth", 2, true, 3, 4)),
        Rtnl.parseLinks(reply));
  }

  @Test
  void addressesPreferTheLocalAddress() throws Exception {
    byte[] v4 = {2, 32, 0, 0, 2, 0, 0, 0}; // AF_INET, /32, ifindex 2 (little endian)
    ByteBuffer.wrap(v4).order(ByteOrder.nativeOrder()).putInt(4, 2);
    byte[] v6 = {10, 64, 0, 0, 0, 0, 0, 0};
    ByteBuffer.wrap(v6).order(ByteOrder.nativeOrder()).putInt(4, 2);
    byte[] reply =
        concat(
            new Msg(Rtnl.RTM_NEWADDR, 2)
                .fixed(v4)
                .raw(Rtnl.IFA_ADDRESS, InetAddress.getByName("10.0.0.9").getAddress())
                .raw(Rtnl.IFA_LOCAL, InetAddress.getByName("10.0.0.1").getAddress())
                .bytes(),
            new Msg(Rtnl.RTM_NEWADDR, 2)
                .fixed(v6)
                .raw(Rtnl.IFA_ADDRESS, InetAddress.getByName("fd00::1").getAddress())
                .bytes());
    assertEquals(
        List.of(
            new Netlink.Address(2, InetAddress.getByName("10.0.0.1")),
            new Netlink.Address(2, InetAddress.getByName("fd00::1"))),
        Rtnl.parseAddresses(reply));
  }

  @Test
  void nsidReplyAndNone() {
    byte[] reply = new Msg(Rtnl.RTM_NEWNSID, 0).fixed(new byte[4]).u32(Rtnl.NETNSA_NSID, 5).bytes();
    assertEquals(5, Rtnl.parseNsid(reply));
    assertEquals(-1, Rtnl.parseNsid(new byte[0]));
  }

  @Test
  void bpfFiltersOnlyWithTheirPriorityHandleAndProgram() {
    ByteBuffer head = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
    head.putInt(4, 9).putInt(8, 0).putInt(12, Rtnl.TC_PARENT_INGRESS).putInt(16, 0xC0000300);
    ByteBuffer filter = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
    filter.putInt(4, 9).putInt(8, 1).putInt(12, Rtnl.TC_PARENT_INGRESS).putInt(16, 0xC0000300);
    byte[] opts =
        new Msg(0, 0).str(Rtnl.TCA_BPF_NAME, "tm_tc_ingress:[42]").u32(Rtnl.TCA_BPF_ID, 42).bytes();
    byte[] reply =
        concat(
            new Msg(Rtnl.RTM_NEWTFILTER, 2).fixed(head.array()).str(Rtnl.TCA_KIND, "bpf").bytes(),
            new Msg(Rtnl.RTM_NEWTFILTER, 2)
                .fixed(filter.array())
                .str(Rtnl.TCA_KIND, "bpf")
                .raw(Rtnl.TCA_OPTIONS | 0x8000, Arrays.copyOfRange(opts, 16, opts.length))
                .bytes());
    assertEquals(
        List.of(new Netlink.TcFilter(9, true, 0xC000, 1, 0xC0000300, "tm_tc_ingress:[42]", 42)),
        Rtnl.parseTcFilters(reply));
  }

  @Test
  void requestsCarryLengthFlagsAndAttributes() {
    byte[] req = Rtnl.getLinks(11, 3);
    ByteBuffer b = ByteBuffer.wrap(req).order(ByteOrder.nativeOrder());
    assertEquals(req.length, b.getInt(0));
    assertEquals(Rtnl.RTM_GETLINK, b.getShort(4));
    assertEquals(Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_DUMP, b.getShort(6));
    assertEquals(11, b.getInt(8));
    // header 16 + ifinfomsg 16 + IFLA_EXT_MASK 8 + IFLA_TARGET_NETNSID 8
    assertEquals(48, req.length);
    assertEquals(Rtnl.IFLA_TARGET_NETNSID, b.getShort(42));
    assertEquals(3, b.getInt(44));

    Netlink.TcFilter f = new Netlink.TcFilter(9, false, 0xC000, 1, 0xC0000300, "tm_tc_egress", 42);
    ByteBuffer d = ByteBuffer.wrap(Rtnl.deleteTcFilter(12, f)).order(ByteOrder.nativeOrder());
    assertEquals(Rtnl.RTM_DELTFILTER, d.getShort(4));
    assertTrue((d.getShort(6) & Rtnl.NLM_F_ACK) != 0);
    assertEquals(9, d.getInt(16 + 4));
    assertEquals(1, d.getInt(16 + 8));
    assertEquals(Rtnl.TC_PARENT_EGRESS, d.getInt(16 + 12));
    assertEquals(0xC0000300, d.getInt(16 + 16));
  }

  @Test
  void truncatedRepliesEndTheParseInsteadOfThrowing() {
    byte[] ok =
        new Msg(Rtnl.RTM_NEWLINK, 2).fixed(ifinfomsg(1)).str(Rtnl.IFLA_IFNAME, "lo").bytes();
    byte[] cut = Arrays.copyOf(ok, ok.length - 3);
    assertEquals(List.of(), Rtnl.parseLinks(cut));
  }
}
