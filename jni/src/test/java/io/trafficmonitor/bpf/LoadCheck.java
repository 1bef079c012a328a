package io.trafficmonitor.bpf;

/** Prints whether the shim loads in this JVM (run by {@link NativeLoadIT} in a child JVM). */
public final class LoadCheck {
  private LoadCheck() {}

  public static void main(String[] args) {
    System.out.println(
        Native.loadError().map(t -> "NOT LOADED: " + t.getMessage()).orElse("LOADED"));
  }
}
