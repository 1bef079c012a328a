package io.trafficmonitor.bpf;

/**
 * An XDP attachment: the {@link BpfLink} (closing it detaches the program unless pinned; safe
 * twice) and the mode the kernel runs it in.
 */
public record XdpLink(BpfLink link, XdpMode mode) implements AutoCloseable {
  @Override
  public void close() {
    link.close();
  }
}
