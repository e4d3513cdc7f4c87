import Planner
import Testing

@testable import Executor

/// How a Kafka record becomes one NDJSON line: metadata members spliced in first when a query
/// names them, line breaks inside a value flattened, everything else kept for the scanner to
/// judge.
@Suite struct KafkaMessageLineTests {
  static func line(
    _ value: String, key: String? = "k",
    fields: [String] = ["_key", "_partition", "_offset", "_timestamp"]
  ) -> String {
    let maker = KafkaMessageLine(fields: fields.map { [PathStep.key($0)] })
    var out: [UInt8] = []
    let v = Array(value.utf8)
    let k = key.map { Array($0.utf8) }
    v.withUnsafeBytes { vb in
      if let k {
        k.withUnsafeBytes { kb in
          maker.append(value: vb, key: kb, partition: 2, offset: 7, timestamp: 1000, to: &out)
        }
      } else {
        maker.append(value: vb, key: nil, partition: 2, offset: 7, timestamp: nil, to: &out)
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  @Test func metadataGoesFirst() {
    #expect(
      KafkaMessageLineTests.line(#"{"a":1}"#)
        == #"{"_key":"k","_partition":2,"_offset":7,"_timestamp":1000,"a":1}"# + "\n")
    #expect(
      KafkaMessageLineTests.line(" {\n} ", key: nil)
        == #"{"_key":null,"_partition":2,"_offset":7,"_timestamp":null } "# + "\n")
    #expect(
      KafkaMessageLineTests.line(#"{"a":"x"}"#, key: "q\"", fields: ["_key", "a"])
        == #"{"_key":"q\"","a":"x"}"# + "\n")
  }

  @Test func valuesStayAsTheyAreOtherwise() {
    #expect(KafkaMessageLineTests.line(#"{"a":1}"#, fields: ["a"]) == #"{"a":1}"# + "\n")
    #expect(KafkaMessageLineTests.line("{\n  \"a\": 1\r\n}").contains("\n  ") == false)
    // Not objects: left for the scanner to count as bad lines.
    #expect(KafkaMessageLineTests.line("[1,2]") == "[1,2]\n")
    #expect(KafkaMessageLineTests.line("not json") == "not json\n")
    // A tombstone (empty value) is a bad line too, not a silently skipped blank one.
    #expect(KafkaMessageLineTests.line("") == "null\n")
    #expect(KafkaMessageLineTests.line(" \n ") == "null\n")
  }
}
