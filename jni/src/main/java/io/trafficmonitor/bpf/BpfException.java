package io.trafficmonitor.bpf;

/**
 * Any failure of the eBPF shim: the operation that failed (a libbpf or syscall name) and the errno
 * it reported (positive; 0 when there is none).
 */
public final class BpfException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String operation;
  private final int errno;

  /** Called from native code, too. */
  public BpfException(String operation, int errno, String message) {
    super(operation + " failed (errno " + errno + "): " + message);
    this.operation = operation;
    this.errno = Math.abs(errno);
  }

  public BpfException(String operation, int errno, String message, Throwable cause) {
    this(operation, errno, message);
    initCause(cause);
  }

  /** The operation that failed, e.g. {@code bpf_object__load}. */
  public String operation() {
    return operation;
  }

  /** The errno, positive; 0 when the failure had none. */
  public int errno() {
    return errno;
  }

  /** Wraps a hot-path {@code -errno} result. */
  static BpfException ofResult(String operation, long result) {
    int err = (int) -result;
    return new BpfException(operation, err, Errno.describe(err));
  }
}
