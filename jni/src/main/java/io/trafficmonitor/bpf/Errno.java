package io.trafficmonitor.bpf;

/** The few errno values the Java side looks at, and text for hot-path errors. */
final class Errno {
  static final int ENOENT = 2;
  static final int EBADF = 9;
  static final int E2BIG = 7;
  static final int ENOMEM = 12;
  static final int EACCES = 13;
  static final int EBUSY = 16;
  static final int EEXIST = 17;
  static final int EINVAL = 22;
  static final int ENOSPC = 28;
  static final int EPERM = 1;
  static final int EOPNOTSUPP = 95;

  private Errno() {}

  static String describe(int errno) {
    return switch (errno) {
      case EPERM -> "Operation not permitted";
      case ENOENT -> "No such file or directory";
      case E2BIG -> "Argument list too long";
      case EBADF -> "Bad file descriptor";
      case ENOMEM -> "Cannot allocate memory";
      case EACCES -> "Permission denied";
      case EEXIST -> "File exists";
      case EINVAL -> "Invalid argument";
      case ENOSPC -> "No space left on device";
      case EOPNOTSUPP -> "Operation not supported";
      default -> "errno " + errno;
    };
  }
}
