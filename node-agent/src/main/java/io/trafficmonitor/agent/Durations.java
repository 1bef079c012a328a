package io.trafficmonitor.agent;

import io.trafficmonitor.api.v1alpha1.GoDuration;
import java.time.Duration;

/** Go-style durations of the spec and the environment. */
final class Durations {
  private Durations() {}

  static Duration parse(String text) {
    return GoDuration.parse(text);
  }

  static Duration parseOr(String text, Duration fallback) {
    return GoDuration.parseOr(text, fallback);
  }
}
