package io.trafficmonitor.trafficgen;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What crossed the wire from this side: messages (datagrams, writes or requests), payload bytes
 * and, for UDP, the exact L3 bytes (payload + UDP header + IP header).
 */
final class Counters {
  final AtomicLong messages = new AtomicLong();
  final AtomicLong payloadBytes = new AtomicLong();
  final AtomicLong l3Bytes = new AtomicLong();
  final AtomicLong responses = new AtomicLong();
  final AtomicLong responseBytes = new AtomicLong();
  final AtomicLong connections = new AtomicLong();
  final AtomicLong errors = new AtomicLong();

  /** Sequence numbers left out on purpose (--skip-every): the loss a receiver must see. */
  final AtomicLong skipped = new AtomicLong();

  void add(long payload, long l3) {
    messages.incrementAndGet();
    payloadBytes.addAndGet(payload);
    l3Bytes.addAndGet(l3);
  }
}
