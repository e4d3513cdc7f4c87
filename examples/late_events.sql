-- Events arrive up to 1.5 s out of order. With a 1 second grace period some are
-- still late: they are counted in a warning on stderr at exit (and written to
-- --late-output PATH if given). Raise the grace period to 2 seconds and none are.
SELECT device.os AS os, COUNT(*) AS events, APPROX_PERCENTILE(latency_ms, 0.95) AS p95_latency_ms
  FROM stdin TIMESTAMP BY ts
  WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 1 SECOND)
  GROUP BY device.os
