package io.trafficmonitor.plugin.top;

import io.trafficmonitor.plugin.top.PodRates.Row;
import java.time.Instant;
import java.util.List;

/**
 * Everything one screen of {@code top} shows, taken at one moment, so that rendering is a pure
 * function of it ({@link TopScreen}).
 *
 * @param monitor "demo/web", or the name of a ClusterTrafficMonitor
 * @param intervalNanos the records' interval (0: no record yet)
 * @param nodes the nodes that sent records
 * @param windowNanos how long the rates' window of records is
 * @param records records taken in since the start
 * @param total the rates over all nodes
 * @param rows the pods and interfaces, filtered and sorted
 * @param state the user's sort, order and filter
 * @param status the monitor's status, null when it could not be read
 * @param statusProblem why the status could not be read, or null
 * @param warning the newest warning (records lost, a node that did not answer), or null
 * @param now the time of the frame
 */
public record Frame(
    String monitor,
    long intervalNanos,
    List<String> nodes,
    long windowNanos,
    long records,
    Row total,
    List<Row> rows,
    ViewState state,
    StatusSnapshot status,
    String statusProblem,
    String warning,
    Instant now) {}
