-- Average temperature and humidity per sensor over 5-minute tumbling windows on event time.
-- Readings may arrive a few seconds out of order (the generator adds up to 2 s of jitter,
-- brokers and networks add more); the 10-second grace period keeps them on time. A window's
-- rows are printed once the watermark passes its end plus the grace period, or at end of input.
SELECT sensor,
       COUNT(*) AS readings,
       ROUND(AVG(temp), 2) AS avg_temp,
       MIN(temp) AS min_temp,
       MAX(temp) AS max_temp,
       ROUND(AVG(humidity), 2) AS avg_humidity
  FROM stdin TIMESTAMP BY ts
  WINDOW TUMBLING (SIZE 5 MINUTES, GRACE PERIOD 10 SECONDS)
  GROUP BY sensor
