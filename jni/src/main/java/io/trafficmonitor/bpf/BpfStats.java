package io.trafficmonitor.bpf;

/** Turns on run-time statistics of all programs ({@code BPF_ENABLE_STATS}) until closed. */
public final class BpfStats implements AutoCloseable {
  private int fd;

  private BpfStats(int fd) {
    this.fd = fd;
  }

  public static BpfStats enable() {
    Native.ensureLoaded();
    return new BpfStats(Native.enableStats());
  }

  @Override
  public synchronized void close() {
    if (fd >= 0) {
      Native.closeFd(fd);
      fd = -1;
    }
  }
}
