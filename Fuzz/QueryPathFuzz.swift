// libFuzzer target: the whole query path.
//
// A fixed script of queries (every window kind, aggregates, DISTINCT, a filter, casts, nested
// paths) is planned once; each input is run through `ScriptRunner.run(feeding:)`, split into
// chunks at points the input's first byte chooses, with output to /dev/null. The executor must
// neither crash nor hang on any input; results are not checked here (the unit tests do that).
import Planner
import SQLParser

@testable import Executor

let queryScript = """
  SELECT user_id, COUNT(*) AS n, SUM(amount), AVG(latency_ms), MIN(url), MAX(status), STDDEV_SAMP(latency_ms)
    FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 1 SECOND, GRACE PERIOD 500 MILLISECONDS) GROUP BY user_id;
  SELECT COUNT(DISTINCT user_id) AS users, APPROX_COUNT_DISTINCT(url), APPROX_PERCENTILE(latency_ms, 0.9)
    FROM stdin TIMESTAMP BY ts WINDOW HOPPING (SIZE 2 SECONDS, ADVANCE BY 500 MILLISECONDS);
  SELECT user_id, COUNT(*), FIRST(url), LAST(url), TOP_K(country, 2), COLLECT_LIST(status)
    FROM stdin TIMESTAMP BY ts WINDOW SESSION (GAP 1 SECOND) GROUP BY user_id;
  SELECT device.os, COUNT(*) FROM stdin TIMESTAMP BY ts WINDOW SLIDING (SIZE 1 SECOND)
    GROUP BY device.os HAVING COUNT(*) > 1;
  SELECT country, AVG(amount) FROM stdin WINDOW TUMBLING (SIZE 3 ROWS) GROUP BY country;
  SELECT DISTINCT lower(country) AS c, TRY_CAST(status AS BIGINT) AS s, tags[0], payload['k'],
    status / 0, CASE WHEN amount > 10 THEN 'big' ELSE 'small' END, length(url) || '!' AS l
    FROM stdin WHERE status >= 200 AND url LIKE '/%';
  SELECT url, COUNT(*) AS n FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 1 SECOND)
    GROUP BY url EMIT CHANGES ORDER BY n DESC LIMIT 3;
  SELECT to_timestamp(ts), date_trunc('minute', ts), regexp_extract(url, '[0-9]+'), split_part(url, '/', 2)
    FROM stdin ORDER BY status LIMIT 5
  """

let queryPlan: ScriptPlan = {
  var planner = ScriptPlanner()
  do {
    _ = try planner.add(script: try Parser.parseScript(queryScript))
  } catch {
    fatalError("the fuzz script does not plan: \(error)")
  }
  return planner.plan
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size > 0 else { return 0 }
  let step = Int(data[0]) * 4 + 1
  let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
  var chunks: [[UInt8]] = []
  var i = 0
  while i < bytes.count {
    chunks.append(Array(bytes[i..<min(bytes.count, i + step)]))
    i += step
  }
  var options = RunOptions()
  options.outputPath = "/dev/null"
  options.maxLineBytes = 4096
  do {
    let runner = try ScriptRunner(plan: queryPlan, options: options)
    _ = try runner.run(feeding: chunks)
  } catch {
    // A runtime error (exit 1 in the CLI) is an outcome, not a crash.
  }
  return 0
}
