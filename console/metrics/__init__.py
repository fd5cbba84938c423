"""The live metrics engine: Postgres deltas -> per-minute buckets -> a frozen Snapshot.

`collector.Collector` polls (one poll: `reader` runs the panel queries, `initial_load`
and `deltas` feed the window, `tracked` and `unprocessed` follow the backlog, `periodic`
reads the non-delta panels, `assemble` builds the Snapshot). `snapshot.Snapshot` is what
it hands over; `buckets` keeps the 24 h in memory (`latency` and `aggregate` are its
parts); `backlog` and `activity` shape the backlog and session panels; `patterns` groups
error messages the way the troubleshooting guide words them.
"""
