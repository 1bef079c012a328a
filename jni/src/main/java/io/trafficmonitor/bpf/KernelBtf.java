package io.trafficmonitor.bpf;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/** Reads the running kernel's BTF ({@code /sys/kernel/btf/vmlinux}). */
public final class KernelBtf {
  private static final String DROP_PREFIX = "SKB_DROP_REASON_";
  private static volatile Map<Long, String> dropReasons;

  private KernelBtf() {}

  /** The members of an enum, value to name; empty when the kernel has no such enum. */
  public static Map<Long, String> enumMembers(String enumName) {
    Native.ensureLoaded();
    int cap = 256;
    while (true) {
      String[] names = new String[cap];
      long[] values = new long[cap];
      int n = Native.btfEnum(enumName, names, values);
      if (n < 0) {
        return Map.of();
      }
      if (n <= cap) {
        Map<Long, String> m = new HashMap<>();
        for (int i = 0; i < n; i++) {
          m.putIfAbsent(values[i], names[i]);
        }
        return Collections.unmodifiableMap(m);
      }
      cap = n;
    }
  }

  /** Parameters of a function prototype behind a typedef (e.g. btf_trace_kfree_skb), -1. */
  public static int funcProtoParams(String typedefName) {
    Native.ensureLoaded();
    return Native.btfFuncProtoParams(typedefName);
  }

  /**
   * Arguments of a BTF tracepoint as tp_btf programs see them (the prototype minus its leading
   * context pointer), or -1 when the kernel has no such tracepoint.
   */
  public static int tracepointArgs(String tracepoint) {
    int n = funcProtoParams("btf_trace_" + tracepoint);
    return n < 0 ? -1 : n - 1;
  }

  /**
   * The name of a drop reason ({@code enum skb_drop_reason} of the running kernel) without its
   * {@code SKB_DROP_REASON_} prefix, e.g. {@code NO_SOCKET}; {@code reason_<n>} when unknown.
   */
  public static String dropReasonName(long reason) {
    Map<Long, String> m = dropReasons;
    if (m == null) {
      Map<Long, String> names = new HashMap<>();
      enumMembers("skb_drop_reason")
          .forEach(
              (v, n) ->
                  names.put(v, n.startsWith(DROP_PREFIX) ? n.substring(DROP_PREFIX.length()) : n));
      m = dropReasons = Collections.unmodifiableMap(names);
    }
    String name = m.get(reason);
    return name != null ? name : "reason_" + reason;
  }

  /** The value of a drop reason by name (with or without prefix), or -1 when unknown. */
  public static long dropReason(String name) {
    dropReasonName(0);
    String n = name.startsWith(DROP_PREFIX) ? name.substring(DROP_PREFIX.length()) : name;
    return dropReasons.entrySet().stream()
        .filter(e -> e.getValue().equals(n))
        .mapToLong(Map.Entry::getKey)
        .findFirst()
        .orElse(-1);
  }
}
