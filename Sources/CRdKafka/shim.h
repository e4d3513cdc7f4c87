// librdkafka's C API for the Kafka source and sink (Debian: librdkafka-dev).
#include <stddef.h>
#include <stdint.h>
#include <librdkafka/rdkafka.h>

// rd_kafka_produce with a key and a copied payload, on a topic handle: rd_kafka_producev is
// variadic, which Swift cannot call.
static inline int crdkafka_produce(rd_kafka_topic_t *topic, const void *value, size_t length,
                                   const void *key, size_t keyLength) {
  return rd_kafka_produce(topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)value,
                          length, key, keyLength, NULL);
}
