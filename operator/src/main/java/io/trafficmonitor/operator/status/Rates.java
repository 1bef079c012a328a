package io.trafficmonitor.operator.status;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Bit rates for people: {@code 0 bit/s}, {@code 1.5 kbit/s}, {@code 12 Mbit/s}. */
public final class Rates {
  private static final String[] UNITS = {"bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"};

  private Rates() {}

  public static String format(long bitsPerSecond) {
    double value = bitsPerSecond;
    int unit = 0;
    while (Math.abs(value) >= 1000 && unit < UNITS.length - 1) {
      value /= 1000;
      unit++;
    }
    int decimals = unit == 0 || Math.abs(value) >= 10 ? 0 : 1;
    String number =
        BigDecimal.valueOf(value)
            .setScale(decimals, RoundingMode.HALF_UP)
            .stripTrailingZeros()
            .toPlainString();
    return number + " " + UNITS[unit];
  }
}
