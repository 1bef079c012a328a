package io.trafficmonitor.bpf;

import java.util.Locale;

/**
 * Where an XDP program runs on an interface: {@link #NATIVE} in the driver, before any skb is made
 * (where the driver supports XDP: veth, most 10G+ NICs); {@link #GENERIC} in the core network stack
 * once the skb exists (every interface, after GRO: a GRO batch is one frame). {@link #AUTO} asks
 * for native and falls back to generic.
 */
public enum XdpMode {
  AUTO,
  NATIVE,
  GENERIC;

  static final int FLAGS_SKB_MODE = 1 << 1;
  static final int FLAGS_DRV_MODE = 1 << 2;

  private static final int ATTACHED_DRV = 1;
  private static final int ATTACHED_SKB = 2;
  private static final int ATTACHED_HW = 3;

  /** "XDP (native)", "XDP (generic)": how status and logs say it. */
  public String label() {
    return this == AUTO ? "XDP" : "XDP (" + name().toLowerCase(Locale.ROOT) + ")";
  }

  /** The XDP program of an interface: its id (0: none) and where it runs (null: none). */
  public record Attached(int programId, String mode) {
    public boolean present() {
      return programId != 0;
    }
  }

  /**
   * The XDP program on an interface of the calling thread's network namespace, whoever attached it
   * ({@code bpf_xdp_query}).
   */
  public static Attached onInterface(int ifindex) {
    Native.ensureLoaded();
    long r = Native.xdpQuery(ifindex);
    int mode = (int) (r >>> 32);
    String name =
        switch (mode) {
          case 0 -> null;
          case ATTACHED_DRV -> "native";
          case ATTACHED_SKB -> "generic";
          case ATTACHED_HW -> "offloaded";
          default -> "several modes";
        };
    return new Attached((int) r, name);
  }

  private static final int PROG_XDP = 6;
  private static final int HELPER_XDP_LOAD_BYTES = 189;

  /**
   * Whether the kernel runs the flow programs' XDP entry point: it needs bpf_xdp_load_bytes and
   * bpf_xdp_get_buff_len (Linux 5.18).
   */
  public static boolean supported() {
    Native.ensureLoaded();
    return Native.probeHelper(PROG_XDP, HELPER_XDP_LOAD_BYTES) == 1;
  }

  /** The mode the program of an interface runs in: NATIVE, GENERIC, or null (none, or another). */
  static XdpMode of(Attached a) {
    return "native".equals(a.mode()) ? NATIVE : "generic".equals(a.mode()) ? GENERIC : null;
  }
}
