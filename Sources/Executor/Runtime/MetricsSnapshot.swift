/// The counters of a running script at one moment, as `--metrics` serves them in the Prometheus
/// text exposition format (version 0.0.4).
///
/// The run thread builds a snapshot from the counters it already keeps (`RunStats` of sources and
/// queries, sinks' blocked time) and hands it to the `MetricsServer`, which renders the latest one
/// for each `GET /metrics`. Nothing on the row path is shared between threads, and a scrape never
/// waits for the run.
///
///     # TYPE streamsql_input_lines_total counter
///     streamsql_input_lines_total 3000
///     streamsql_output_rows_total{query="1"} 8
public struct MetricsSnapshot: Sendable, Equatable {
  /// One continuous query's counters and state.
  public struct Query: Sendable, Equatable {
    /// The `query` label: the statement's number in the script.
    public var label: String
    public var rowsOut = 0
    public var lateRows = 0
    public var badRows = 0
    /// The event-time watermark, ms since the epoch; nil before the first row, for processing
    /// time, and after end of input.
    public var watermarkMillis: Int64?
    public var openWindows = 0
    public var groups = 0

    public init(label: String) { self.label = label }
  }

  public var linesIn = 0
  public var bytesIn = 0
  public var badLines = 0
  public var badRows = 0
  public var queries: [Query] = []
  public var latency = LatencyHistogram()
  /// Time spent inside write(2) on every output, microseconds.
  public var blockedMicros: Int64 = 0
  /// When the run started, ms since the epoch.
  public var startedAtMillis: Int64 = 0

  public init() {}

  /// The exposition text; `nowMillis` is the wall clock at the scrape, for watermark lag.
  public func render(nowMillis: Int64) -> String {
    var out = ""
    func family(_ name: String, _ type: String, _ help: String) {
      out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }
    func sample(_ name: String, _ labels: String = "", _ value: String) {
      out += labels.isEmpty ? "\(name) \(value)\n" : "\(name){\(labels)} \(value)\n"
    }
    func perQuery(_ name: String, _ type: String, _ help: String, _ value: (Query) -> String?) {
      family(name, type, help)
      for q in queries {
        if let v = value(q) { sample(name, "query=\"\(Self.escape(q.label))\"", v) }
      }
    }
    family("streamsql_input_lines_total", "counter", "Input lines read (good or bad).")
    sample("streamsql_input_lines_total", "", "\(linesIn)")
    family("streamsql_input_bytes_total", "counter", "Input bytes read.")
    sample("streamsql_input_bytes_total", "", "\(bytesIn)")
    family(
      "streamsql_bad_lines_total", "counter",
      "Lines that were not a JSON object, too long or invalid UTF-8.")
    sample("streamsql_bad_lines_total", "", "\(badLines)")
    family(
      "streamsql_bad_rows_total", "counter",
      "Rows without a valid event time, failing a CAST or a declared type.")
    sample("streamsql_bad_rows_total", "", "\(badRows)")
    perQuery("streamsql_late_rows_total", "counter", "Rows that reached no open window.") {
      "\($0.lateRows)"
    }
    perQuery("streamsql_output_rows_total", "counter", "Result rows written.") { "\($0.rowsOut)" }
    perQuery(
      "streamsql_watermark_lag_seconds", "gauge", "Wall clock minus the event-time watermark."
    ) { q in
      q.watermarkMillis.map { Self.seconds(micros: (nowMillis - $0) * 1000) }
    }
    perQuery(
      "streamsql_open_windows", "gauge",
      "Windows (sessions, pending moving-window times) holding state."
    ) {
      "\($0.openWindows)"
    }
    perQuery("streamsql_state_groups", "gauge", "Groups held across the open windows.") {
      "\($0.groups)"
    }
    family(
      "streamsql_latency_seconds", "histogram",
      "From reading a row's piece to writing the rows it produced.")
    for (bound, n) in zip(LatencyHistogram.boundsMicros, latency.cumulative) {
      sample("streamsql_latency_seconds_bucket", "le=\"\(Self.seconds(micros: bound))\"", "\(n)")
    }
    sample("streamsql_latency_seconds_bucket", "le=\"+Inf\"", "\(latency.count)")
    sample("streamsql_latency_seconds_sum", "", Self.seconds(micros: latency.sumMicros))
    sample("streamsql_latency_seconds_count", "", "\(latency.count)")
    family(
      "streamsql_output_blocked_seconds_total", "counter", "Time spent blocked writing output.")
    sample("streamsql_output_blocked_seconds_total", "", Self.seconds(micros: blockedMicros))
    family(
      "streamsql_start_time_seconds", "gauge", "When the run started, seconds since the epoch.")
    sample("streamsql_start_time_seconds", "", Self.seconds(micros: startedAtMillis * 1000))
    return out
  }

  /// Microseconds as decimal seconds without exponent: `0.0001`, `2.5`, `60`.
  static func seconds(micros: Int64) -> String {
    let sign = micros < 0 ? "-" : ""
    let m = micros.magnitude
    var fraction = String(m % 1_000_000)
    fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
    while fraction.hasSuffix("0") { fraction.removeLast() }
    return sign + String(m / 1_000_000) + (fraction.isEmpty ? "" : "." + fraction)
  }

  /// A label value with `\`, `"` and newlines escaped as the format requires.
  static func escape(_ s: String) -> String {
    var out = ""
    for c in s {
      switch c {
      case "\\": out += "\\\\"
      case "\"": out += "\\\""
      case "\n": out += "\\n"
      default: out.append(c)
      }
    }
    return out
  }
}
