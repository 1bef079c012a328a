package io.trafficmonitor.datapath.tcp;

/**
 * Where packets were dropped and why.
 *
 * @param cgroupId cgroup v2 id of the packet's socket (or of the receiving socket, kernel 6.12+), 0
 *     when there is none (e.g. no socket listening)
 * @param netns inode of the socket's network namespace, else of the device's, else 0
 * @param reason the kernel's {@code enum skb_drop_reason} value (numbers differ between kernels)
 * @param reasonName its name in the running kernel's BTF without the {@code SKB_DROP_REASON_}
 *     prefix (e.g. {@code NO_SOCKET}), or {@code reason_<n>} when unknown
 */
public record DropKey(long cgroupId, long netns, int reason, String reasonName) {}
