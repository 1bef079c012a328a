package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * TCP flow control of the monitored pods' sockets, since the agent started: events count a socket
 * entering the state once, however many segments arrive while it stays there.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TcpFlowControl {

  @JsonPropertyDescription(
      "Times a socket's peer advertised a zero receive window (the socket's send window became"
          + " 0): the pod had to stop sending because the other end did not read.")
  private Long zeroWindowPeer;

  @JsonPropertyDescription(
      "Times a socket advertised a zero receive window itself: the pod did not read fast"
          + " enough and stopped its peer.")
  private Long zeroWindowLocal;

  @JsonPropertyDescription(
      "Times a socket's sending became limited by the peer's receive window (the kernel's"
          + " rwnd-limited time started, as tcp_info's tcpi_rwnd_limited measures it).")
  private Long windowLimited;

  @JsonPropertyDescription(
      "TCP connections established without window scaling (one side did not offer it): their"
          + " windows cannot exceed 64 KiB.")
  private Long connectionsWithoutWindowScaling;

  public TcpFlowControl() {}

  public TcpFlowControl(
      Long zeroWindowPeer,
      Long zeroWindowLocal,
      Long windowLimited,
      Long connectionsWithoutWindowScaling) {
    this.zeroWindowPeer = zeroWindowPeer;
    this.zeroWindowLocal = zeroWindowLocal;
    this.windowLimited = windowLimited;
    this.connectionsWithoutWindowScaling = connectionsWithoutWindowScaling;
  }

  public Long getZeroWindowPeer() {
    return zeroWindowPeer;
  }

  public void setZeroWindowPeer(Long zeroWindowPeer) {
    this.zeroWindowPeer = zeroWindowPeer;
  }

  public Long getZeroWindowLocal() {
    return zeroWindowLocal;
  }

  public void setZeroWindowLocal(Long zeroWindowLocal) {
    this.zeroWindowLocal = zeroWindowLocal;
  }

  public Long getWindowLimited() {
    return windowLimited;
  }

  public void setWindowLimited(Long windowLimited) {
    this.windowLimited = windowLimited;
  }

  public Long getConnectionsWithoutWindowScaling() {
    return connectionsWithoutWindowScaling;
  }

  public void setConnectionsWithoutWindowScaling(Long connectionsWithoutWindowScaling) {
    this.connectionsWithoutWindowScaling = connectionsWithoutWindowScaling;
  }
}
