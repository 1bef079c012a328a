package io.trafficmonitor.api.v1alpha1;

/**
 * CEL and regular-expression building blocks shared by the model's validation rules. Annotation
 * values must be compile-time constants, hence plain string concatenation.
 *
 * <p>Regexes avoid backslashes where a character class does the job ({@code [.]}), because they
 * pass through Java, YAML and CEL string escaping before reaching RE2.
 */
final class Cel {

  /** A port ("80") or a port range ("8000-8100"); bounds are checked by {@link #PORT_BOUNDS}. */
  static final String PORT_RE = "^[0-9]{1,5}(-[0-9]{1,5})?$";

  /** A Go duration as {@code time.ParseDuration} and CEL's {@code duration()} read it. */
  static final String DURATION_RE = "^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$";

  static final String PORT_FORMAT = "self.matches('" + PORT_RE + "')";
  static final String PORT_FORMAT_MESSAGE =
      "must be a port such as 80 or a port range such as 8000-8100";
  static final String PORT_BOUNDS =
      "!self.matches('" + PORT_RE + "') || self.split('-').all(n, int(n) >= 1 && int(n) <= 65535)";
  static final String PORT_BOUNDS_MESSAGE = "ports must be between 1 and 65535";
  static final String PORT_ORDER =
      "!self.matches('"
          + PORT_RE
          + "') || !self.contains('-') || int(self.split('-')[0]) <= int(self.split('-')[1])";
  static final String PORT_ORDER_MESSAGE =
      "a port range must go from low to high, such as 8000-8100";

  static final String PORTS_FORMAT = "self.all(p, p.matches('" + PORT_RE + "'))";
  static final String PORTS_FORMAT_MESSAGE =
      "ports must be ports such as 80 or port ranges such as 8000-8100";
  static final String PORTS_BOUNDS =
      "self.all(p, !p.matches('"
          + PORT_RE
          + "') || p.split('-').all(n, int(n) >= 1 && int(n) <= 65535))";
  static final String PORTS_ORDER =
      "self.all(p, !p.matches('"
          + PORT_RE
          + "') || !p.contains('-') || int(p.split('-')[0]) <= int(p.split('-')[1]))";

  static final String DURATION_FORMAT = "self.matches('" + DURATION_RE + "')";

  /** Prefix of a bounds rule: a malformed duration is left to {@link #DURATION_FORMAT}. */
  static final String IF_DURATION = "!self.matches('" + DURATION_RE + "') || ";

  static final String ADDRESS = "isCIDR(self) || isIP(self)";

  private Cel() {}
}
