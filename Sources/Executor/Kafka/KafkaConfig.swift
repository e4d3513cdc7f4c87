import CRdKafka
import Planner

/// librdkafka configurations for the Kafka source and sink, with the user's `kafka.NAME=VALUE`
/// properties applied last so they can override any default here.
enum KafkaConfig {
  /// How long a run waits for a broker before it fails (exit 1): the first metadata request,
  /// a producer's transaction setup, delivering what is left at the end.
  static let brokerTimeoutMillis: Int32 = 10_000

  /// A configuration with `bootstrap.servers` and `settings`, then the URL's properties; an
  /// unknown property or a bad value is a `RunError` naming it.
  ///
  /// Every Kafka source and sink starts here, so this is where librdkafka is loaded (CRdKafka
  /// loads it on first use, not at startup); a machine without it gets a `RunError` saying so.
  static func make(_ url: KafkaURL, _ settings: [(String, String)]) throws(RunError)
    -> OpaquePointer
  {
    if let problem = libraryProblem { throw RunError("\(url.text): \(problem)") }
    let conf = rd_kafka_conf_new()!
    var all = [("bootstrap.servers", url.brokers), ("log.connection.close", "false")] + settings
    for property in url.properties {
      let kv = property.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      all.append((String(kv[0]), kv.count > 1 ? String(kv[1]) : ""))
    }
    var error = [CChar](repeating: 0, count: 512)
    for (name, value) in all {
      let result = rd_kafka_conf_set(conf, name, value, &error, error.count)
      if result != RD_KAFKA_CONF_OK {
        rd_kafka_conf_destroy(conf)
        throw RunError("\(url.text): kafka.\(name): \(KafkaConfig.text(error))")
      }
    }
    // librdkafka's own log lines would interleave with ours; errors come back as events.
    rd_kafka_conf_set_log_cb(conf, nil)
    return conf
  }

  /// Checks a URL's properties without connecting, for a usage error before anything is read.
  static func check(_ url: KafkaURL) -> String? {
    // Without librdkafka the properties cannot be checked; the run then fails when it connects,
    // as a runtime failure (exit 1) that names the missing library.
    guard libraryProblem == nil else { return nil }
    do throws(RunError) {
      rd_kafka_conf_destroy(try make(url, []))
      return nil
    } catch {
      return error.message
    }
  }

  /// Why librdkafka cannot be used (not installed, or lacking a function used here), or nil.
  ///
  /// The first call loads it.
  static var libraryProblem: String? {
    crdkafka_load_problem().map { String(cString: $0) }
  }

  /// The text in a NUL-terminated error buffer.
  static func text(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  static func errorText(_ err: rd_kafka_resp_err_t) -> String {
    String(cString: rd_kafka_err2str(err))
  }
}
