package io.trafficmonitor.datapath.flow;

import io.trafficmonitor.bpf.BpfObject;
import io.trafficmonitor.bpf.Pins;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The flow datapath's maps pinned under a directory on bpffs, {@code <dir>/maps/<map>}: every map
 * of {@code bpf/lib/maps.h}, all of which hold state the programs keep between packets or that user
 * space set at run time. Never the object's {@code .rodata} (its load-time configuration, frozen,
 * libbpf's own map); the object has no {@code .data} or {@code .bss}. Links are the caller's, by
 * convention under {@code <dir>/links/}.
 */
final class FlowPins {
  static final List<String> MAPS =
      List.of(
          FlowLayout.MAP_FLOWS,
          FlowLayout.MAP_SEQUENCES,
          FlowLayout.MAP_JITTER,
          FlowLayout.MAP_SETTINGS,
          FlowLayout.MAP_COUNTERS,
          FlowLayout.MAP_FILTER_RULES,
          FlowLayout.MAP_FILTER_STATE);

  private FlowPins() {}

  /** Whether the maps were taken over; else why not (null problem: nothing was pinned). */
  record Adoption(boolean adopted, String problem) {}

  static Path mapPin(Path dir, String map) {
    return dir.resolve("maps").resolve(map);
  }

  /**
   * Before load: reuses every pinned map when all are pinned and fit the object as configured, else
   * none (the maps go together: the filter state names a half of the rules, the sequence and jitter
   * entries belong to flows). Throws when the directory is not on bpffs, or a pin is there that is
   * not a BPF map: something else owns the directory, nothing is removed.
   */
  static Adoption adopt(BpfObject obj, Path dir) {
    Pins.requireBpffs(dir);
    List<String> missing = new ArrayList<>();
    List<String> unfit = new ArrayList<>();
    for (String map : MAPS) {
      Path pin = mapPin(dir, map);
      if (!Files.exists(pin, LinkOption.NOFOLLOW_LINKS)) {
        missing.add(map);
        continue;
      }
      String mismatch = obj.pinnedMapMismatch(map, pin);
      if (mismatch != null) {
        unfit.add(map + ": " + mismatch);
      }
    }
    if (missing.size() == MAPS.size()) {
      return new Adoption(false, null);
    }
    if (missing.isEmpty() && unfit.isEmpty()) {
      for (String map : MAPS) {
        obj.reusePinnedMap(map, mapPin(dir, map));
      }
      return new Adoption(true, null);
    }
    List<String> why = new ArrayList<>(unfit);
    if (!missing.isEmpty()) {
      why.add("not pinned: " + String.join(", ", missing));
    }
    return new Adoption(
        false,
        "fresh maps, the pinned ones under " + dir + " do not fit: " + String.join("; ", why));
  }

  /** After load: replaces whatever is pinned under {@code dir/maps} with the object's maps. */
  static void pinFresh(BpfObject obj, Path dir) {
    for (String map : MAPS) {
      Path pin = mapPin(dir, map);
      Pins.unpin(pin);
      obj.map(map).pin(pin);
    }
  }

  /** Removes the map pins (and the maps directory when that leaves it empty). */
  static void unpin(Path dir) {
    for (String map : MAPS) {
      Pins.unpin(mapPin(dir, map));
    }
    try {
      Files.deleteIfExists(dir.resolve("maps"));
    } catch (IOException e) {
      // not empty: someone else's pins, left alone
    }
  }
}
