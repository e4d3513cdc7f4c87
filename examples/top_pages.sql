-- The three most visited pages of each minute (top-N per window).
SELECT url, COUNT(*) AS views
  FROM stdin TIMESTAMP BY ts
  WINDOW TUMBLING (SIZE 1 MINUTE, GRACE PERIOD 2 SECONDS)
  WHERE event = 'page_view'
  GROUP BY url
  ORDER BY views DESC
  LIMIT 3
