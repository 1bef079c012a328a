package io.trafficmonitor.bpf;

import java.util.ArrayList;
import java.util.List;

/**
 * What a map must share with another to stand in for it: type, key and value sizes, capacity and
 * creation flags. Programs compiled for one shape read and write a map of another wrongly.
 */
record MapShape(int type, int keySize, int valueSize, int maxEntries, int flags) {
  /** From {@code Native.mapDef} or {@code Native.mapInfo}'s first fields (see their order). */
  static MapShape ofDef(int[] def) {
    return new MapShape(def[0], def[1], def[2], def[3], def[4]);
  }

  /** From {@code Native.mapInfo}: type, key_size, value_size, max_entries, id, map_flags. */
  static MapShape ofInfo(int[] info) {
    return new MapShape(info[0], info[1], info[2], info[3], info[5]);
  }

  /** What differs, e.g. "max_entries 1000 pinned, 2000 wanted"; null when nothing does. */
  String differences(MapShape wanted) {
    List<String> out = new ArrayList<>();
    if (type != wanted.type) {
      out.add("type " + typeName(type) + " pinned, " + typeName(wanted.type) + " wanted");
    }
    compare(out, "key_size", keySize, wanted.keySize);
    compare(out, "value_size", valueSize, wanted.valueSize);
    compare(out, "max_entries", maxEntries, wanted.maxEntries);
    if (flags != wanted.flags) {
      out.add(String.format("map_flags 0x%x pinned, 0x%x wanted", flags, wanted.flags));
    }
    return out.isEmpty() ? null : String.join(", ", out);
  }

  private static void compare(List<String> out, String what, int pinned, int wanted) {
    if (pinned != wanted) {
      out.add(what + " " + pinned + " pinned, " + wanted + " wanted");
    }
  }

  static String typeName(int type) {
    return switch (type) {
      case BpfMap.TYPE_HASH -> "hash";
      case BpfMap.TYPE_ARRAY -> "array";
      case BpfMap.TYPE_PERCPU_HASH -> "percpu_hash";
      case BpfMap.TYPE_PERCPU_ARRAY -> "percpu_array";
      case BpfMap.TYPE_LRU_HASH -> "lru_hash";
      case BpfMap.TYPE_LRU_PERCPU_HASH -> "lru_percpu_hash";
      default -> "type " + type;
    };
  }
}
