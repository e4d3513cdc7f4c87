-- User sessions: events at most 30 seconds apart chain into one session.
-- Only sessions with several events are shown.
SELECT user_id, COUNT(*) AS events, COLLECT_LIST(event) AS path, SUM(amount) AS spent
  FROM stdin TIMESTAMP BY ts
  WINDOW SESSION (GAP 30 SECONDS, GRACE PERIOD 2 SECONDS)
  GROUP BY user_id
  HAVING COUNT(*) >= 3
