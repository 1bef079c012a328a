package io.trafficmonitor.agent.collect;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * What an agent has counted, written for the agent that follows it on the node (an upgrade, a
 * crash, an OOM kill): the baselines of every kernel flow it attributed and every monitor's
 * cumulative series and totals, taken together under the collector's lock, with the id of the
 * kernel flow map they belong to. The next agent, which adopts the pinned flow map, takes its
 * deltas from these baselines and continues these series, so nothing counted before is counted
 * again and nothing counted after is lost; a checkpoint of another flow map (the maps were made
 * afresh) is ignored.
 *
 * <p>Written to a temporary file and renamed, so a crash mid-write leaves the previous one.
 */
final class Checkpoint {
  private static final int MAGIC = 0x544d434b; // "TMCK"
  private static final int VERSION = 1;
  static final String FILE = "checkpoint";

  /** The views' figures, by monitor uid, of a checkpoint read back. */
  record Read(int flowMapId, Map<String, byte[]> views) {}

  private Checkpoint() {}

  /**
   * Writes the collector's baselines and the views' figures (by monitor uid), consistently, into
   * {@code dir}.
   */
  static void write(Path dir, int flowMapId, Collector collector, Map<String, MonitorView> views)
      throws IOException {
    Files.createDirectories(dir);
    Path tmp = dir.resolve(FILE + ".tmp");
    try (OutputStream f = Files.newOutputStream(tmp);
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(f, 1 << 16))) {
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      out.writeInt(flowMapId);
      synchronized (collector) { // no collection between the baselines and the series
        collector.save(out);
        out.writeInt(views.size());
        for (Map.Entry<String, MonitorView> v : views.entrySet()) {
          ByteArrayOutputStream bytes = new ByteArrayOutputStream();
          v.getValue().save(new DataOutputStream(bytes));
          out.writeUTF(v.getKey());
          out.writeInt(bytes.size());
          bytes.writeTo(out);
        }
        collector.saveTcpFlags(out); // after what an agent without flag counts reads
      }
    }
    Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Reads the checkpoint of {@code dir} into the collector when it belongs to the flow map {@code
   * flowMapId}; returns the views' figures to restore when their monitors are served, or null when
   * there is none to use.
   */
  static Read read(Path dir, int flowMapId, Collector collector) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      return null;
    }
    try (InputStream f = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new BufferedInputStream(f, 1 << 16))) {
      if (in.readInt() != MAGIC || in.readInt() != VERSION) {
        throw new IOException(file + " is not a checkpoint of this agent version");
      }
      int id = in.readInt();
      if (id != flowMapId) {
        return null; // the figures of another flow map
      }
      collector.restore(in);
      Map<String, byte[]> views = new HashMap<>();
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        String key = in.readUTF();
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        views.put(key, data);
      }
      if (in.available() > 0) {
        collector.restoreTcpFlags(in);
      }
      return new Read(id, views);
    }
  }

  /** Continues a view from its figures in a checkpoint read back. */
  static void restore(MonitorView view, byte[] data) throws IOException {
    view.restore(new DataInputStream(new ByteArrayInputStream(data)));
  }

  /** Removes the checkpoint (the kernel state it describes is gone). */
  static void delete(Path dir) throws IOException {
    Files.deleteIfExists(dir.resolve(FILE));
  }
}
