-- A script: one source read once, a derived stream, and several continuous queries.
-- Run: streamsql -f examples/clickstream.sql < examples/clickstream.ndjson
-- Each result row carries "query" (its statement number) because there are several SELECTs.

CREATE STREAM clicks WITH (source = 'stdin', timestamp = 'ts');

-- Server errors only, as a stream other statements can read.
CREATE STREAM errors AS SELECT * FROM clicks WHERE status >= 500;

-- Errors per minute and URL.
SELECT url, COUNT(*) AS errors
  FROM errors WINDOW TUMBLING (SIZE 1 MINUTE)
  GROUP BY url;

-- Traffic per country every 30 seconds, with a late-event grace period.
SELECT country, COUNT(*) AS events, ROUND(AVG(latency_ms), 1) AS avg_latency_ms
  FROM clicks WINDOW TUMBLING (SIZE 30 SECONDS, GRACE PERIOD 2 SECONDS)
  GROUP BY country
  HAVING COUNT(*) >= 20;

-- Active users over the last minute, refreshed every 30 seconds.
SELECT COUNT(DISTINCT user_id) AS active_users, ROUND(SUM(amount), 2) AS revenue
  FROM clicks WINDOW HOPPING (SIZE 1 MINUTE, ADVANCE BY 30 SECONDS, GRACE PERIOD 2 SECONDS);
