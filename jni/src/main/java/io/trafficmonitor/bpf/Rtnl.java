package io.trafficmonitor.bpf;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * rtnetlink messages: the requests {@link Netlink} sends and the parsers of the replies, on the
 * kernel's UAPI layouts (linux/netlink.h, rtnetlink.h, if_link.h, if_addr.h, net_namespace.h,
 * pkt_sched.h, pkt_cls.h), all in host byte order. Pure Java: {@code RtnlTest} checks it on
 * hand-made replies.
 */
final class Rtnl {
  // message types
  static final short RTM_NEWLINK = 16;
  static final short RTM_GETLINK = 18;
  static final short RTM_NEWADDR = 20;
  static final short RTM_GETADDR = 22;
  static final short RTM_NEWTFILTER = 44;
  static final short RTM_DELTFILTER = 45;
  static final short RTM_GETTFILTER = 46;
  static final short RTM_NEWNSID = 88;
  static final short RTM_GETNSID = 90;

  // nlmsghdr flags
  static final short NLM_F_REQUEST = 0x1;
  static final short NLM_F_ACK = 0x4;
  static final short NLM_F_DUMP = 0x300;

  // attributes
  static final int IFLA_IFNAME = 3;
  static final int IFLA_LINK = 5;
  static final int IFLA_MASTER = 10;
  static final int IFLA_LINKINFO = 18;
  static final int IFLA_INFO_KIND = 1;
  static final int IFLA_EXT_MASK = 29;
  static final int IFLA_LINK_NETNSID = 37;
  static final int IFLA_TARGET_NETNSID = 46;
  static final int RTEXT_FILTER_SKIP_STATS = 1 << 3;
  static final int IFA_ADDRESS = 1;
  static final int IFA_LOCAL = 2;
  static final int IFA_TARGET_NETNSID = 10;
  static final int NETNSA_NSID = 1;
  static final int NETNSA_PID = 2;
  static final int NETNSA_FD = 3;
  static final int TCA_KIND = 1;
  static final int TCA_OPTIONS = 2;
  static final int TCA_BPF_NAME = 7;
  static final int TCA_BPF_ID = 11;

  /** clsact's ingress and egress parents: TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_{INGRESS,EGRESS}). */
  static final int TC_PARENT_INGRESS = 0xFFFFFFF2;

  static final int TC_PARENT_EGRESS = 0xFFFFFFF3;

  static final int NLMSG_HDRLEN = 16;
  private static final int IFINFOMSG_LEN = 16;
  private static final int IFADDRMSG_LEN = 8;
  private static final int RTGENMSG_LEN = 4; // one byte, aligned
  private static final int TCMSG_LEN = 20;
  private static final int NLA_HDRLEN = 4;
  private static final int NLA_TYPE_MASK = 0x3FFF;
  private static final short AF_UNSPEC = 0;
  private static final short AF_INET = 2;
  private static final short AF_INET6 = 10;

  private Rtnl() {}

  // ---- requests

  /** RTM_GETLINK dump, of the socket's namespace or (targetNsid >= 0) of the one with that id. */
  static byte[] getLinks(int seq, int targetNsid) {
    Builder b = new Builder(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq);
    b.zeros(IFINFOMSG_LEN);
    b.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    if (targetNsid >= 0) {
      b.attrU32(IFLA_TARGET_NETNSID, targetNsid);
    }
    return b.build();
  }

  /** RTM_GETADDR dump (IPv4 and IPv6) of the namespace with id targetNsid. */
  static byte[] getAddresses(int seq, int targetNsid) {
    Builder b = new Builder(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq);
    b.zeros(IFADDRMSG_LEN);
    if (targetNsid >= 0) {
      b.attrU32(IFA_TARGET_NETNSID, targetNsid);
    }
    return b.build();
  }

  /** RTM_GETNSID: the id the socket's namespace gives the namespace of a process or an fd. */
  static byte[] getNsid(int seq, int attr, int value) {
    Builder b = new Builder(RTM_GETNSID, NLM_F_REQUEST, seq);
    b.zeros(RTGENMSG_LEN);
    b.attrU32(attr, value);
    return b.build();
  }

  /** RTM_GETTFILTER dump of a clsact hook of an interface. */
  static byte[] getTcFilters(int seq, int ifindex, boolean ingress) {
    Builder b = new Builder(RTM_GETTFILTER, NLM_F_REQUEST | NLM_F_DUMP, seq);
    b.tcmsg(ifindex, 0, ingress ? TC_PARENT_INGRESS : TC_PARENT_EGRESS, 0);
    return b.build();
  }

  /** RTM_DELTFILTER of one bpf filter (as libbpf's bpf_tc_detach does). */
  static byte[] deleteTcFilter(int seq, Netlink.TcFilter f) {
    Builder b = new Builder(RTM_DELTFILTER, NLM_F_REQUEST | NLM_F_ACK, seq);
    b.tcmsg(f.ifindex(), f.handle(), f.ingress() ? TC_PARENT_INGRESS : TC_PARENT_EGRESS, f.info());
    b.attrString(TCA_KIND, "bpf");
    return b.build();
  }

  // ---- replies

  static List<Netlink.Link> parseLinks(byte[] reply) {
    return each(
        reply,
        RTM_NEWLINK,
        m -> {
          int ifindex = m.getInt(4);
          Attrs a = Attrs.of(m, IFINFOMSG_LEN);
          Attrs info = a.nested(IFLA_LINKINFO);
          return new Netlink.Link(
              a.string(IFLA_IFNAME, ""),
              ifindex,
              info == null ? "" : info.string(IFLA_INFO_KIND, ""),
              a.u32(IFLA_LINK, 0),
              a.has(IFLA_LINK_NETNSID),
              a.u32(IFLA_LINK_NETNSID, -1),
              a.u32(IFLA_MASTER, 0));
        });
  }

  static List<Netlink.Address> parseAddresses(byte[] reply) {
    return each(
        reply,
        RTM_NEWADDR,
        m -> {
          int family = m.get(0) & 0xFF;
          int ifindex = m.getInt(4);
          Attrs a = Attrs.of(m, IFADDRMSG_LEN);
          byte[] addr = a.bytes(IFA_LOCAL);
          if (addr == null) {
            addr = a.bytes(IFA_ADDRESS);
          }
          if (addr == null || (family != AF_INET && family != AF_INET6)) {
            return null;
          }
          try {
            return new Netlink.Address(ifindex, InetAddress.getByAddress(addr));
          } catch (UnknownHostException e) {
            return null;
          }
        });
  }

  /** The nsid of an RTM_NEWNSID reply (-1: none assigned). */
  static int parseNsid(byte[] reply) {
    List<Integer> ids =
        each(reply, RTM_NEWNSID, m -> Attrs.of(m, RTGENMSG_LEN).u32(NETNSA_NSID, -1));
    return ids.isEmpty() ? -1 : ids.get(0);
  }

  static List<Netlink.TcFilter> parseTcFilters(byte[] reply) {
    return each(
        reply,
        RTM_NEWTFILTER,
        m -> {
          int ifindex = m.getInt(4);
          int handle = m.getInt(8);
          int parent = m.getInt(12);
          int info = m.getInt(16);
          Attrs a = Attrs.of(m, TCMSG_LEN);
          Attrs options = a.nested(TCA_OPTIONS);
          if (handle == 0 || options == null || !"bpf".equals(a.string(TCA_KIND, ""))) {
            return null; // the chain/priority heads, and filters of other kinds
          }
          return new Netlink.TcFilter(
              ifindex,
              parent == TC_PARENT_INGRESS,
              info >>> 16,
              handle,
              info,
              options.string(TCA_BPF_NAME, ""),
              options.u32(TCA_BPF_ID, 0));
        });
  }

  /**
   * Applies {@code parse} to every message of type {@code type} in a reply (a view from its payload
   * on); null results are dropped.
   */
  private static <T> List<T> each(byte[] reply, short type, Function<ByteBuffer, T> parse) {
    List<T> out = new ArrayList<>();
    ByteBuffer buf = ByteBuffer.wrap(reply).order(ByteOrder.nativeOrder());
    int pos = 0;
    while (pos + NLMSG_HDRLEN <= reply.length) {
      int len = buf.getInt(pos);
      if (len < NLMSG_HDRLEN || pos + len > reply.length) {
        break;
      }
      if (buf.getShort(pos + 4) == type) {
        ByteBuffer payload =
            buf.slice(pos + NLMSG_HDRLEN, len - NLMSG_HDRLEN).order(ByteOrder.nativeOrder());
        T t = parse.apply(payload);
        if (t != null) {
          out.add(t);
        }
      }
      pos += align(len);
    }
    return out;
  }

  private static int align(int len) {
    return (len + 3) & ~3;
  }

  /** The attributes of one message (or one nested attribute), by type; the first of a type wins. */
  static final class Attrs {
    private final ByteBuffer buf;
    private final int start;
    private final int end;

    private Attrs(ByteBuffer buf, int start, int end) {
      this.buf = buf;
      this.start = start;
      this.end = end;
    }

    static Attrs of(ByteBuffer payload, int headerLen) {
      return new Attrs(payload, align(headerLen), payload.limit());
    }

    /** Offset of the value of the attribute, its length in the high half; -1 when absent. */
    private long find(int type) {
      int pos = start;
      while (pos + NLA_HDRLEN <= end) {
        int len = buf.getShort(pos) & 0xFFFF;
        if (len < NLA_HDRLEN || pos + len > end) {
          return -1;
        }
        if ((buf.getShort(pos + 2) & NLA_TYPE_MASK) == type) {
          return ((long) (len - NLA_HDRLEN) << 32) | (pos + NLA_HDRLEN);
        }
        pos += align(len);
      }
      return -1;
    }

    boolean has(int type) {
      return find(type) >= 0;
    }

    int u32(int type, int absent) {
      long f = find(type);
      return f < 0 || (f >>> 32) < 4 ? absent : buf.getInt((int) f);
    }

    byte[] bytes(int type) {
      long f = find(type);
      if (f < 0) {
        return null;
      }
      byte[] b = new byte[(int) (f >>> 32)];
      buf.get((int) f, b);
      return b;
    }

    String string(int type, String absent) {
      byte[] b = bytes(type);
      if (b == null) {
        return absent;
      }
      int n = 0;
      while (n < b.length && b[n] != 0) {
        n++;
      }
      return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    Attrs nested(int type) {
      long f = find(type);
      return f < 0 ? null : new Attrs(buf, (int) f, (int) f + (int) (f >>> 32));
    }
  }

  /** Builds one request: header, fixed part, attributes. */
  static final class Builder {
    private final ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());

    Builder(short type, int flags, int seq) {
      buf.putInt(0); // length, set by build()
      buf.putShort(type);
      buf.putShort((short) flags);
      buf.putInt(seq);
      buf.putInt(0); // port id: the kernel
    }

    void zeros(int n) {
      buf.put(new byte[n]);
    }

    void tcmsg(int ifindex, int handle, int parent, int info) {
      buf.put((byte) AF_UNSPEC).put((byte) 0).putShort((short) 0);
      buf.putInt(ifindex).putInt(handle).putInt(parent).putInt(info);
    }

    void attrU32(int type, int value) {
      buf.putShort((short) (NLA_HDRLEN + 4)).putShort((short) type).putInt(value);
    }

    void attrString(int type, String value) {
      byte[] b = value.getBytes(StandardCharsets.UTF_8);
      buf.putShort((short) (NLA_HDRLEN + b.length + 1)).putShort((short) type);
      buf.put(b).put((byte) 0);
      while (buf.position() % 4 != 0) {
        buf.put((byte) 0);
      }
    }

    byte[] build() {
      int len = buf.position();
      buf.putInt(0, len);
      byte[] out = new byte[len];
      buf.get(0, out);
      return out;
    }
  }
}
