-- Alert variant: only the sensors whose 5-minute average temperature is above 22 °C.
SELECT sensor, COUNT(*) AS readings, ROUND(AVG(temp), 2) AS avg_temp, MAX(temp) AS max_temp
  FROM stdin TIMESTAMP BY ts
  WINDOW TUMBLING (SIZE 5 MINUTES, GRACE PERIOD 10 SECONDS)
  GROUP BY sensor
  HAVING AVG(temp) > 22
