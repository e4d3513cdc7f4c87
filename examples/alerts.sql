-- Alert when a country sees 3 or more server errors within any 30 seconds
-- (a moving window: one row per error event, over the 30 seconds up to it).
SELECT country, COUNT(*) AS errors, MAX(status) AS worst_status
  FROM stdin TIMESTAMP BY ts
  WINDOW SLIDING (SIZE 30 SECONDS, GRACE PERIOD 2 SECONDS)
  WHERE status >= 500
  GROUP BY country
  HAVING COUNT(*) >= 3
