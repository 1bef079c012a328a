package io.trafficmonitor.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** One traffic filter; its fields are ANDed and a field left out matches everything. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!(has(self.sourcePort) || has(self.destinationPort)) || !has(self.protocols)"
            + " || self.protocols.all(p, p in ['TCP', 'UDP', 'SCTP'])",
    message =
        "sourcePort and destinationPort apply only to TCP, UDP and SCTP: remove the other"
            + " protocols from this filter or drop the port")
@ValidationRule(
    value =
        "!has(self.source) || !has(self.destination)"
            + " || !(isCIDR(self.source) || isIP(self.source))"
            + " || !(isCIDR(self.destination) || isIP(self.destination))"
            + " || (isIP(self.source) ? ip(self.source).family() : cidr(self.source).ip().family())"
            + " == (isIP(self.destination) ? ip(self.destination).family()"
            + " : cidr(self.destination).ip().family())",
    message = "source and destination must be of the same IP family (both IPv4 or both IPv6)")
public class Filter {

  @JsonPropertyDescription(
      "Source address or CIDR, IPv4 or IPv6 (10.0.0.0/8, 192.168.1.5, fd00::/8).")
  @Size(max = 43)
  @ValidationRule(
      value = Cel.ADDRESS,
      message = "source must be an IPv4 or IPv6 address or CIDR, such as 10.0.0.0/8 or fd00::/8")
  private String source;

  @JsonPropertyDescription("Destination address or CIDR, IPv4 or IPv6.")
  @Size(max = 43)
  @ValidationRule(
      value = Cel.ADDRESS,
      message =
          "destination must be an IPv4 or IPv6 address or CIDR, such as 10.0.0.0/8 or fd00::/8")
  private String destination;

  @JsonPropertyDescription("Source port (80) or inclusive port range (8000-8100).")
  @Size(max = 11)
  @ValidationRule(value = Cel.PORT_FORMAT, message = "sourcePort " + Cel.PORT_FORMAT_MESSAGE)
  @ValidationRule(value = Cel.PORT_BOUNDS, message = Cel.PORT_BOUNDS_MESSAGE)
  @ValidationRule(value = Cel.PORT_ORDER, message = Cel.PORT_ORDER_MESSAGE)
  private String sourcePort;

  @JsonPropertyDescription("Destination port (80) or inclusive port range (8000-8100).")
  @Size(max = 11)
  @ValidationRule(value = Cel.PORT_FORMAT, message = "destinationPort " + Cel.PORT_FORMAT_MESSAGE)
  @ValidationRule(value = Cel.PORT_BOUNDS, message = Cel.PORT_BOUNDS_MESSAGE)
  @ValidationRule(value = Cel.PORT_ORDER, message = Cel.PORT_ORDER_MESSAGE)
  private String destinationPort;

  @JsonPropertyDescription(
      "IP protocols, ORed: TCP, UDP, SCTP, ICMP, ICMPv6, GRE, ESP. Missing or empty: all.")
  @Size(max = 7)
  private List<Protocol> protocols;

  public String getSource() {
    return source;
  }

  public void setSource(String source) {
    this.source = source;
  }

  public String getDestination() {
    return destination;
  }

  public void setDestination(String destination) {
    this.destination = destination;
  }

  public String getSourcePort() {
    return sourcePort;
  }

  public void setSourcePort(String sourcePort) {
    this.sourcePort = sourcePort;
  }

  public String getDestinationPort() {
    return destinationPort;
  }

  public void setDestinationPort(String destinationPort) {
    this.destinationPort = destinationPort;
  }

  public List<Protocol> getProtocols() {
    return protocols;
  }

  public void setProtocols(List<Protocol> protocols) {
    this.protocols = protocols;
  }
}
