"""The live metrics engine: Postgres deltas -> per-minute buckets -> a frozen Snapshot.

`collector.Collector` polls, `snapshot.Snapshot` is what it hands over, `buckets` keeps the
24 h in memory, `backlog` and `activity` shape the backlog and session panels, `patterns`
groups error messages the way the troubleshooting guide words them.
"""
