// librdkafka's C API for the Kafka source and sink (Debian: librdkafka-dev for the headers).
//
// The program does not link librdkafka: it and the libraries it needs (OpenSSL, SASL, libstdc++,
// zstd, lz4, zlib) cost every run about 2 ms of loading and relocation, and only a run with a
// Kafka source or sink uses them. CRdKafka.c defines the rd_kafka_* functions that the Kafka code
// calls, each forwarding to the real one in librdkafka.so.1, loaded with dlopen on first use.
#ifndef CRDKAFKA_H
#define CRDKAFKA_H

#include <stddef.h>
#include <stdint.h>
#include <librdkafka/rdkafka.h>

/// Loads librdkafka if it is not loaded yet: NULL when it is there with every function used, or
/// why not (the loader's message). Call it before any rd_kafka_* function, to fail with that
/// message; a forwarding function that finds no library ends the process with exit status 1.
const char *crdkafka_load_problem(void);

// rd_kafka_produce with a key and a copied payload, on a topic handle: rd_kafka_producev is
// variadic, which Swift cannot call.
static inline int crdkafka_produce(rd_kafka_topic_t *topic, const void *value, size_t length,
                                   const void *key, size_t keyLength) {
  return rd_kafka_produce(topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)value,
                          length, key, keyLength, NULL);
}

#endif
