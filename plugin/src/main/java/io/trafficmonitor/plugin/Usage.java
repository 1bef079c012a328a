package io.trafficmonitor.plugin;

/** The text of --help: every command and flag (docs/plugin.md says the same at length). */
final class Usage {
  static final String TEXT =
      """
      kubectl trafficmonitor (also kubectl tm): a monitor's live per-interval records, read through
      the Kubernetes API server with your own credentials and RBAC.

      Commands:
        top MONITOR     a refreshing view of pods, rates, top flows, loss and retransmits
        flows MONITOR   the records, one line each (-o wide: a table; -o json: a JSON object)

      Connection (as kubectl):
            --kubeconfig FILE     kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config)
            --context NAME        kubeconfig context (default: the current context)
        -n, --namespace NS        the TrafficMonitor's namespace (default: the context's, else default)
        -c, --cluster-monitor     MONITOR is a ClusterTrafficMonitor
            --as USER             impersonate USER
            --as-group GROUP      impersonate GROUP (repeatable)

      flows:
        -o, --output wide|json    a table line per record (default), or a JSON object per line
        -w, --watch               keep following the records (a stream); without it: one read, what
                                  the agents keep now (up to 1,024 records a node)
            --after CURSOR        start after CURSOR (node:seq,node:seq), printed on stderr at exit
                                  and in every json line as "cursor"
            --limit N             exit after N records

      top:
            --sort rx|tx|name|packets   sort key (default rx); key s cycles it
            --reverse                   reverse the order; key r toggles it
            --filter TEXT               only pods whose namespace/name contains TEXT; key / edits it
            --once                      render one frame as plain text and exit
            --iterations N              render N frames as plain text (one a second) and exit
        keys: s sort key, r reverse, / filter (Enter applies, Esc clears), q quit

      Exit status: 0 done, 1 refused or failed (the message says why), 2 a wrong command line.
      """;

  private Usage() {}
}
